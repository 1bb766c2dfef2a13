"""Export a filtered staff list as CSV or XLSX (issue 25): what the list shows, to whoever may see it, logged.

An admin opts in with ``ExportMixin`` and an explicit allow-list of columns (``export_fields``: never the whole
model, DESIGN §7); masked values come from the same display methods as the list (an entity's identifier reads
masked). The export page takes the list's own filters and search from its query string, so the rows are the
list's rows: the admin's scoped ``get_queryset`` (the one policy), then its filters. Before the file is
returned, every exported record gets an access-log row (``audit.services.access_log_write_many``) with the
purpose the user stated, so each record's access summary shows the export.
"""

from django import forms
from django.contrib.admin.utils import label_for_field, lookup_field
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .exports import csv_response, xlsx_response
from .models import AccessLog
from .services import access_log_write_many

# More rows than this: narrow the list first (each row is logged, and a file this size is read by no one).
EXPORT_MAX_ROWS = 5000


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=[("csv", "CSV"), ("xlsx", _("Excel (XLSX)"))], initial="xlsx")
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=200,
        help_text=_("Why you need these records; recorded in the access log for each exported record."),
    )


class ExportMixin:
    """Adds ``<list>/export/`` to a ModelAdmin listing ``export_fields`` (list_display-style names)."""

    export_fields: tuple[str, ...] = ()

    def _url_name(self, view: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def get_urls(self):
        export = path("export/", self.admin_site.admin_view(self.export_view), name=self._url_name("export"))
        return [export, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {"export_url": reverse(f"admin:{self._url_name('export')}"), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def export_row(self, obj) -> list:
        row = []
        for name in self.export_fields:
            field, _attr, value = lookup_field(name, obj, self)
            if field is not None and field.flatchoices:
                value = dict(field.flatchoices).get(value, value)
            elif field is not None and field.is_relation:
                value = "" if value is None else str(value)
            row.append(value)
        return row

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        # The list's own filters and search (the query string), on the list's scoped queryset.
        changelist = self.get_changelist_instance(request)
        rows = changelist.get_queryset(request)
        count = rows.count()
        form = ExportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if count > EXPORT_MAX_ROWS:
                form.add_error(
                    None,
                    ValidationError(
                        _("%(count)s records are more than %(max)s: narrow the list with its filters first."),
                        code="too_many",
                        params={"count": count, "max": EXPORT_MAX_ROWS},
                    ),
                )
            else:
                return self._export(request, list(rows), form.cleaned_data)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Export %(name)s") % {"name": self.opts.verbose_name_plural},
            "form": form,
            "count": count,
            "max_rows": EXPORT_MAX_ROWS,
            "list_url": reverse(f"admin:{self._url_name('changelist')}") + changelist.get_query_string(),
            "columns": [label_for_field(name, self.model, self) for name in self.export_fields],
        }
        return TemplateResponse(request, "admin/export.html", context)

    def _export(self, request, objects, data):
        # Logged before the file is returned: if logging fails, nothing leaves.
        access_log_write_many(
            actor=request.user,
            action=AccessLog.Action.EXPORT,
            targets=objects,
            purpose=data["purpose"],
            field="export",
            request=request,
        )
        header = [str(label_for_field(name, self.model, self)) for name in self.export_fields]
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        filename = f"{self.opts.model_name}-{stamp}.{data['format']}"
        respond = xlsx_response if data["format"] == "xlsx" else csv_response
        return respond(filename, header, (self.export_row(obj) for obj in objects))
