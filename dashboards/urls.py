from django.contrib import admin
from django.urls import path

from . import views

app_name = "dashboards"

# Behind the admin's own gate: staff only, with the second factor when it is required.
urlpatterns = [path("", admin.site.admin_view(views.index), name="index")]
