"""Staff pages outside the admin. Private files leave storage only through the download views here."""

import logging

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from accounts.permissions import scope
from audit.models import AccessLog
from audit.services import access_log_write

from .evidence import safe_download_name
from .models import Evidence, FilingAttachment, StatementAttachment

logger = logging.getLogger(__name__)

DEFAULT_DOWNLOAD_PURPOSE = "case file review"
PURPOSE_MAX_LENGTH = 200


def _purpose(request) -> str:
    given = "".join(char for char in request.GET.get("purpose", "") if char.isprintable()).strip()
    return given[:PURPOSE_MAX_LENGTH].strip() or DEFAULT_DOWNLOAD_PURPOSE


def _send(request, obj, *, what: str):
    """Send a privately stored file as an attachment, after the access log recorded the download.

    The response is never rendered inline: a generic content type, ``nosniff`` and a sandboxing CSP keep a
    hostile file from running in our origin.
    """
    # Logged before any byte leaves: if the log cannot be written, the file is not sent.
    access_log_write(
        actor=request.user,
        action=AccessLog.Action.DOWNLOAD,
        target=obj,
        field="file",
        purpose=_purpose(request),
        request=request,
    )
    try:
        file = obj.file.open("rb")
    except (OSError, ValueError):
        # Ids only: the original name may be personal data.
        logger.error("%s %s: stored file is missing", what, obj.pk)
        raise Http404 from None
    response = FileResponse(
        file,
        as_attachment=True,
        filename=safe_download_name(obj.original_name),
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
@login_required  # anonymous users go to the admin login (settings.LOGIN_URL) and come back
def evidence_download(request, pk: int):
    """One evidence file, if the policy allows it; out of scope and nonexistent answer the same 404."""
    evidence = get_object_or_404(scope(Evidence.objects.all(), request.user, "view"), pk=pk)
    return _send(request, evidence, what="Evidence")


@require_GET
@login_required
def filing_attachment_download(request, pk: int):
    """A document the entity attached to an objection, appeal or repair application (staff who see the case)."""
    if not request.user.is_staff:
        raise Http404  # the entity reads its own filings in the portal
    attachment = get_object_or_404(scope(FilingAttachment.objects.all(), request.user, "view"), pk=pk)
    return _send(request, attachment, what="Filing attachment")


@require_GET
@login_required
def statement_attachment_download(request, pk: int):
    """Evidence the entity filed with its statement (staff who see the case)."""
    if not request.user.is_staff:
        raise Http404  # the entity reads its own statement in the portal
    attachment = get_object_or_404(scope(StatementAttachment.objects.all(), request.user, "view"), pk=pk)
    return _send(request, attachment, what="Statement attachment")
