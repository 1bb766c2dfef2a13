"""Storing evidence files (DESIGN §4): the only writer of ``Evidence`` rows and the files behind them."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import require
from audit.history import attribute

from ..evidence import inspect_upload
from ..models import Case, Evidence

logger = logging.getLogger(__name__)

DESCRIPTION_MAX_LENGTH = Evidence._meta.get_field("description").max_length


def evidence_add(*, case: Case, actor: User, uploaded_file, description: str = "") -> Evidence:
    """Attach an uploaded file to a draft case of the actor's department and return the stored Evidence.

    Adding evidence changes the case, so the policy must allow ``change`` on the case (only drafts of
    the actor's own department): ``Http404`` if the actor may not see the case, ``PermissionDenied``
    if it may see but not change it or lacks ``cases.add_evidence``.
    The file is checked (:func:`cases.evidence.inspect_upload`) before anything is stored; a refusal
    raises ``ValidationError`` keyed by ``file`` (codes ``empty``, ``too_large``, ``type_not_allowed``,
    ``disguised``) or ``description`` (``max_length``), and leaves neither a file nor a row.
    The row records the original name, the type detected from the bytes, size, SHA-256 and uploader,
    with a history row naming the actor.
    """
    require(actor, "change", case)
    if not actor.has_perm("cases.add_evidence"):
        raise PermissionDenied
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {
                "description": ValidationError(
                    _("Keep the description to %(limit)d characters."),
                    code="max_length",
                    params={"limit": DESCRIPTION_MAX_LENGTH},
                )
            }
        )
    try:
        facts = inspect_upload(uploaded_file)
    except ValidationError as error:
        raise ValidationError({"file": error}) from None

    evidence = Evidence(
        case=case,
        original_name=facts.original_name,
        content_type=facts.content_type,
        size=facts.size,
        sha256=facts.sha256,
        description=description,
        uploaded_by=actor,
    )
    try:
        with transaction.atomic():
            # Lock the case and ask again: a submit that committed since the check above wins.
            evidence.case = require(actor, "change", Case.objects.select_for_update().get(pk=case.pk))
            # upload_to gives the stored file a random name; the original name lives only in the row.
            evidence.file.save(facts.original_name, uploaded_file, save=False)
            attribute(evidence, actor=actor, reason="evidence uploaded")
            evidence.save()
    except BaseException:
        # Nothing committed (including a failed commit): the stored file must not outlive its row.
        stored_files_discard([evidence], case_id=evidence.case_id)
        raise
    return evidence


def stored_files_discard(rows, *, case_id: int) -> None:
    """Remove the stored files of upload rows (evidence, attachments) whose write did not commit.

    Called from the ``except`` of a failed upload, so a file that cannot be deleted is logged, never raised:
    the error that got us here is the one the caller must see.
    """
    for row in rows:
        if not row.file.name:
            continue
        try:
            row.file.storage.delete(row.file.name)
        except Exception:
            logger.exception("Could not delete an orphaned %s file of case %s", row._meta.model_name, case_id)


__all__ = ["evidence_add", "stored_files_discard"]
