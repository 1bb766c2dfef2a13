"""What the audit timelines need to know about cases (audit imports no domain app): registered in ``ready``.

The services write their change reasons in English (``attribute(..., reason=...)``); the timeline shows each
fixed reason in the reader's language and keeps what a person wrote (the text after ": ") as written.
"""

from django.utils.translation import gettext_lazy as _

from .models import Filing, Notification
from .workflow import TRANSITIONS

# Whole reasons the services write, word for word.
FIXED_REASONS = {
    "draft created": _("draft created"),
    "draft edited": _("draft edited"),
    "legal document recorded": _("legal document recorded"),
    "measure proposed": _("measure proposed"),
    "proposed measure changed": _("proposed measure changed"),
    "proposed measure removed": _("proposed measure removed"),
    "evidence uploaded": _("evidence uploaded"),
    "statement recorded": _("statement recorded"),
    "statement received": _("statement received"),
    "statement window ended": _("statement window ended"),
    "statement filed through the portal": _("statement filed through the portal"),
    "evidence filed with the statement": _("evidence filed with the statement"),
    "imposed by decision": _("imposed by decision"),
    "not imposed: case dismissed": _("not imposed: case dismissed"),
    "published by decision": _("published by decision"),
    "under objection": _("under objection"),
    "no longer under objection": _("no longer under objection"),
    "proof uploaded": _("proof uploaded"),
    "documents supplied": _("documents supplied"),
    "requested documents supplied": _("requested documents supplied"),
    "public statement of the entity": _("public statement of the entity"),
    "public statement removed": _("public statement removed"),
    "assigned caseworker": _("assigned caseworker"),
    "read": _("read"),
    "e-mail not sent: no address": _("e-mail not sent: no address"),
    "e-mail enqueued again": _("e-mail enqueued again"),
    # Prefixes of "<prefix>: <code or free text>".
    "notification": _("notification"),
    "documents requested": _("documents requested"),
    "correction not confirmed": _("correction not confirmed"),
}


def register() -> None:
    from audit import timeline

    timeline.register_bookkeeping("cases.notification")
    timeline.register_reasons(FIXED_REASONS)
    # "approve: <reasons>", "sanction: <reasons>": the transition as the buttons name it.
    timeline.register_reasons({name: transition.label for name, transition in TRANSITIONS.items() if transition.label})
    # "notification: notice_served" and "revoked: <reasons>": codes with their labels.
    timeline.register_reasons({kind.value: kind.label for kind in Notification.Kind})
    timeline.register_reasons({outcome.value: outcome.label for outcome in Filing.Outcome})
