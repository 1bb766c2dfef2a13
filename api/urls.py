from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from . import views

app_name = "api"

urlpatterns = [
    path("status", views.StatusView.as_view(), name="status"),
    path("sanctions", views.SanctionsView.as_view(), name="sanctions"),
    path("cases/<str:number>", views.CaseView.as_view(), name="case"),
    path("screening", views.ScreeningView.as_view(), name="screening"),
    # The schema and its docs page are public (they describe, they hold no data); Redoc is served from our static
    # files (drf-spectacular-sidecar), so the page works under the strict CSP.
    path("schema/", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]), name="schema"),
    path(
        "docs/",
        SpectacularRedocView.as_view(url_name="api:schema", authentication_classes=[], permission_classes=[]),
        name="docs",
    ),
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not_found"),
]
