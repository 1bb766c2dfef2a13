from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("filing-attachments/<int:pk>/download/", views.filing_attachment_download, name="filing_attachment_download"),
    path(
        "statement-attachments/<int:pk>/download/",
        views.statement_attachment_download,
        name="statement_attachment_download",
    ),
]
