"""Staff pages outside the admin. Evidence leaves private storage only through :func:`evidence_download`."""

import logging

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from accounts.permissions import scope
from audit.models import AccessLog
from audit.services import access_log_write

from .evidence import safe_download_name
from .models import Evidence

logger = logging.getLogger(__name__)

DEFAULT_DOWNLOAD_PURPOSE = "case file review"
PURPOSE_MAX_LENGTH = 200


def _purpose(request) -> str:
    given = "".join(char for char in request.GET.get("purpose", "") if char.isprintable()).strip()
    return given[:PURPOSE_MAX_LENGTH].strip() or DEFAULT_DOWNLOAD_PURPOSE


@require_GET
@login_required  # anonymous users go to the admin login (settings.LOGIN_URL) and come back
def evidence_download(request, pk: int):
    """Send one evidence file as an attachment, after the policy allowed it and the access log recorded it.

    Out of scope and nonexistent answer the same 404. The response is never rendered inline: a generic
    content type, ``nosniff`` and a sandboxing CSP keep a hostile file from running in our origin.
    """
    evidence = get_object_or_404(scope(Evidence.objects.all(), request.user, "view"), pk=pk)
    # Logged before any byte leaves: if the log cannot be written, the file is not sent.
    access_log_write(
        actor=request.user,
        action=AccessLog.Action.DOWNLOAD,
        target=evidence,
        field="file",
        purpose=_purpose(request),
        request=request,
    )
    try:
        file = evidence.file.open("rb")
    except (OSError, ValueError):
        # Ids only: the original name may be personal data.
        logger.error("Evidence %s (case %s): stored file is missing", evidence.pk, evidence.case_id)
        raise Http404 from None
    response = FileResponse(
        file,
        as_attachment=True,
        filename=safe_download_name(evidence.original_name),
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
