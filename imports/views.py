"""The import pages, in the admin (``ImportJobAdmin`` routes its add, change and template URLs here).

Upload: the file is checked at once and nothing is written but the job. The job's page then shows each row's
errors next to the row (the preview), the choice to import the whole file or only its valid rows, and, while
the background task runs, its progress (the page reloads itself with a ``<meta http-equiv="refresh">``: no
script, under the strict CSP). Templates: a blank file with the header row, in the user's language.
"""

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.exports import csv_response
from creditportal.forms import form_add_service_errors

from . import selectors, services
from .formats import header_cells, xlsx_template
from .forms import UploadForm
from .kinds import KINDS
from .models import ImportJob

# The preview lists this many rows at most; beyond it, only the rows with errors.
PREVIEW_MAX_ROWS = 500
# How often the page of a running import reloads itself (seconds).
REFRESH_SECONDS = 2


def _kinds(user) -> list[str]:
    return [kind for kind in ImportJob.Kind.values if services.may_import(user, kind)]


def upload_view(model_admin, request):
    kinds = _kinds(request.user)
    if not kinds:
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_check(
                actor=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            return redirect("admin:imports_importjob_change", job.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": gettext("Import entities or cases"),
        "form": form,
        "kinds": [{"key": kind, "label": ImportJob.Kind(kind).label, "columns": KINDS[kind].columns} for kind in kinds],
        "max_rows": settings.IMPORT_MAX_ROWS,
        "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
    }
    return TemplateResponse(request, "admin/imports/upload.html", context)


def _preview_rows(job: ImportJob) -> tuple[list[dict], bool]:
    """The rows to show with their errors (identity numbers masked); whether some valid rows were left out."""
    kind = KINDS[job.kind]
    errors = selectors.errors_by_row(job)
    rows = json.loads(job.rows or "[]")
    short = len(rows) > PREVIEW_MAX_ROWS
    if short:
        rows = [row for row in rows if row["row"] in errors][:PREVIEW_MAX_ROWS]
    keys = {column.key for column in kind.columns}
    shown = []
    for row in rows:
        values = kind.shown(row["values"])
        row_errors = errors.get(row["row"], [])
        cells = [
            {
                "value": values.get(column.key, ""),
                "label": column.label,
                "errors": [error["message"] for error in row_errors if error["column"] == column.key],
            }
            for column in kind.columns
        ]
        other = [error["message"] for error in row_errors if error["column"] not in keys]
        shown.append({"number": row["row"], "cells": cells, "errors": other, "invalid": bool(row_errors)})
    return shown, short


def _act(request, job: ImportJob):
    action = request.POST.get("action")
    try:
        if action == "cancel":
            services.import_job_cancel(job=job, actor=request.user)
            return _("The file was dropped; nothing was imported.")
        if action in ImportJob.Mode.values:
            services.import_job_start(job=job, actor=request.user, mode=action)
            return _("The import has started.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None
    raise Http404


def job_view(model_admin, request, object_id):
    job = model_admin.get_object(request, str(object_id))
    if job is None:
        raise Http404
    if request.method == "POST":
        done = _act(request, job)
        if done:
            messages.success(request, done)
        return redirect("admin:imports_importjob_change", job.pk)
    columns = KINDS[job.kind].columns
    rows, short = _preview_rows(job) if job.status == ImportJob.Status.PREVIEWED else ([], False)
    processed, total = selectors.import_job_progress(job)
    other_errors = [] if job.status == ImportJob.Status.PREVIEWED else job.errors
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": job,
        "title": gettext("Import of %(file)s") % {"file": job.file_name},
        "columns": columns,
        "column_labels": {column.key: column.label for column in columns},
        "rows": rows,
        "short": short,
        "preview_max": PREVIEW_MAX_ROWS,
        "errors": other_errors,
        "processed": processed,
        "total": total,
        "refresh": REFRESH_SECONDS if job.in_progress else None,
        "may_act": job.status == ImportJob.Status.PREVIEWED and job.created_by_id == request.user.pk,
        "records_url": _records_url(job),
    }
    return TemplateResponse(request, "admin/imports/job.html", context)


def _records_url(job: ImportJob) -> str:
    name = "admin:entities_entity_changelist" if job.kind == ImportJob.Kind.ENTITIES else "admin:cases_case_changelist"
    return reverse(name)


def template_view(model_admin, request, kind: str, fmt: str):
    """A blank file to fill in: the header row in the user's language (the column key in brackets)."""
    if kind not in KINDS or fmt not in ("csv", "xlsx"):
        raise Http404
    if not services.may_import(request.user, kind):
        raise PermissionDenied
    columns = KINDS[kind].columns
    filename = f"import-{kind}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, header_cells(columns), [])
    content = xlsx_template(
        columns, help_title=gettext("Columns"), help_header=[gettext("Key"), gettext("Column"), gettext("Help")]
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
