from django.contrib import admin
from django.urls import path

from creditportal.admin_base import ScopedModelAdmin

from . import services, views
from .models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(ScopedModelAdmin):
    """The imports of the user's department; "add" uploads a file, a job's page is its preview and progress."""

    list_display = (
        "file_name",
        "kind",
        "status",
        "created_by",
        "created_at",
        "total_rows",
        "invalid_rows",
        "imported_rows",
    )
    list_filter = ("kind", "status")
    list_select_related = ("created_by",)

    def has_add_permission(self, request):
        return any(services.may_import(request.user, kind) for kind in ImportJob.Kind.values)

    def has_change_permission(self, request, obj=None):
        return False  # a job changes only through its page's buttons (the services)

    def get_urls(self):
        template = path(
            "template/<str:kind>.<str:fmt>",
            self.admin_site.admin_view(lambda request, kind, fmt: views.template_view(self, request, kind, fmt)),
            name="imports_importjob_template",
        )
        return [template, *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        return views.upload_view(self, request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return views.job_view(self, request, object_id)
