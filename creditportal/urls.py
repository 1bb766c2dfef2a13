from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import views

admin.site.site_header = _("Credit case management")
admin.site.site_title = _("Credit portal")
admin.site.index_title = _("Workspace")

handler500 = views.server_error

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics_view, name="metrics"),
    path("favicon.ico", views.favicon),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("account/", include("accounts.urls")),
    path("cases/", include("cases.urls")),
    path("portal/", include("portal.urls")),
    path("dashboard/", include("dashboards.urls")),
    path("register/", include("register.urls")),
    path("api/v1/", include("api.urls")),
]
