from django.urls import path

from . import views

app_name = "register"

urlpatterns = [
    path("", views.search, name="search"),
    path("r/<str:token>/", views.record, name="record"),
    path("download/<slug:fmt>/", views.download, name="download"),
    path("log/", views.log, name="log"),
    path("language/<str:code>/", views.language, name="language"),
    path("log/download/", views.log_download, name="log_download"),
]
