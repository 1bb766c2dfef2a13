"""What the entity files against a record after the decision (DESIGN §4, issues 6–7): objections, appeals and
applications for credit repair, and the proofs attached to them.

Filed through the portal (``cases.services.filings``), decided by an appeals reviewer who is neither the
case's submitter nor its deciding supervisor (``cases.services.appeals``). These models began in the portal
app; their tables keep the names they were created with, so the audit chain over their history still verifies.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audit.history import tracked_history

from .evidence import evidence_path, evidence_storage


class Filing(models.Model):
    """An objection, an appeal or an application for credit repair, filed by the entity through the portal.

    The reference number is ``<O|A|R>-<case number>-<n>``. ``due_on`` is the reviewer's deadline, in working
    days from the rules in force (``cases.clocks.filing_due``). The reviewer's independence (neither the case's
    submitter nor its deciding supervisor, both copied here when the filing is made) and the second person
    confirming a correction hold in the service and as CHECK constraints.
    """

    class Kind(models.TextChoices):
        OBJECTION = "objection", _("objection to the record")
        APPEAL = "appeal", _("appeal against the decision")
        REPAIR = "repair", _("application for credit repair")

    class Status(models.TextChoices):
        FILED = "filed", _("filed, awaiting review")
        INCOMPLETE = "incomplete", _("documents requested from the entity")
        CORRECTION_PROPOSED = "correction_proposed", _("correction awaiting a second reviewer")
        DECIDED = "decided", _("decided")

    class Outcome(models.TextChoices):
        REVOKED = "revoked", _("upheld: the record is revoked")
        CORRECTED = "corrected", _("upheld: the record is corrected")
        PARTLY_UPHELD = "partly_upheld", _("partly upheld: the record is corrected in part")
        DISMISSED = "dismissed", pgettext_lazy("filing outcome", "dismissed")
        REPAIRED = "repaired", _("credit repair granted")
        REFUSED = "refused", _("credit repair refused")

    OPEN_STATUSES = (Status.FILED, Status.INCOMPLETE, Status.CORRECTION_PROPOSED)
    # Objections and appeals dispute the record: while one is open the record is flagged "under objection".
    DISPUTES = (Kind.OBJECTION, Kind.APPEAL)
    DISPUTE_OUTCOMES = (Outcome.REVOKED, Outcome.CORRECTED, Outcome.PARTLY_UPHELD, Outcome.DISMISSED)
    REPAIR_OUTCOMES = (Outcome.REPAIRED, Outcome.REFUSED)
    CORRECTIONS = (Outcome.CORRECTED, Outcome.PARTLY_UPHELD)

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="filings")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reference = models.CharField(_("reference number"), max_length=64, unique=True, editable=False)
    text = models.TextField(_("reasons or commitment"))
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.FILED)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    due_on = models.DateField(_("review due"), null=True, blank=True)
    # Who may not review it: copied from the case when filed, so the database can hold the rule.
    case_submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("case submitted by"), on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )  # fmt: skip
    case_decider = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("case decided by"), on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )  # fmt: skip
    # The documents asked for (once) when an application for credit repair is incomplete.
    missing = models.TextField(_("documents requested"), blank=True)
    missing_requested_at = models.DateTimeField(_("documents requested at"), null=True, blank=True)
    supplemented_at = models.DateTimeField(_("documents supplied at"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )  # fmt: skip
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    reasons = models.TextField(_("reasons for the outcome"), blank=True)
    # A proposed correction: {"sanctions": {"<id>": {"end": true} | {"planned_end_on": "YYYY-MM-DD"}},
    # "end_publication": bool}. It takes effect only when a second reviewer confirms it.
    correction = models.JSONField(_("correction"), default=dict, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("correction confirmed by"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Incremented by every step: a review form posted from an older page is refused, not applied twice.
    version = models.PositiveIntegerField(default=1, editable=False)
    history = tracked_history(table_name="portal_historicalfiling")

    class Meta:
        db_table = "portal_filing"
        verbose_name = _("filing")
        verbose_name_plural = _("filings")
        ordering = ["-filed_at", "-id"]
        permissions = [("decide_filing", _("Can decide objections, appeals and credit-repair applications"))]
        indexes = [models.Index(fields=["status", "due_on"], name="filing_queue_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["objection", "appeal", "repair"]), name="filing_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["filed", "incomplete", "correction_proposed", "decided"]),
                name="filing_status_valid",
            ),
            # Independence (issue 7): the reviewer neither submitted nor decided the case.
            models.CheckConstraint(
                condition=Q(reviewer__isnull=True)
                | (~Q(reviewer=F("case_submitter")) & ~Q(reviewer=F("case_decider"))),
                name="filing_reviewer_independent",
                violation_error_message=_("The reviewer cannot be who submitted or decided the case."),
            ),
            # A correction is confirmed by a second person, independent in the same way.
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True)
                | (
                    ~Q(confirmed_by=F("reviewer"))
                    & ~Q(confirmed_by=F("case_submitter"))
                    & ~Q(confirmed_by=F("case_decider"))
                ),
                name="filing_correction_confirmed_by_second_person",
                violation_error_message=_("A correction must be confirmed by a second, independent reviewer."),
            ),
            # Decided iff it has an outcome, and the outcome fits the kind.
            models.CheckConstraint(
                condition=(Q(status="decided") & ~Q(outcome="")) | (~Q(status="decided") & Q(outcome="")),
                name="filing_outcome_iff_decided",
            ),
            models.CheckConstraint(
                condition=Q(outcome="")
                | Q(kind="repair", outcome__in=["repaired", "refused"])
                | (~Q(kind="repair") & Q(outcome__in=["revoked", "corrected", "partly_upheld", "dismissed"])),
                name="filing_outcome_fits_kind",
            ),
            # One open filing of each kind per case: a second one waits for the first to be decided.
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=Q(status__in=["filed", "incomplete", "correction_proposed"]),
                name="one_open_filing_per_case_and_kind",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on is not None and self.due_on < timezone.localdate()


class Attachment(models.Model):
    """A document the entity uploaded: checked like evidence (``cases.evidence.inspect_upload``), kept privately."""

    file = models.FileField(_("file"), storage=evidence_storage, upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("detected type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name


class FilingAttachment(Attachment):
    """A proof uploaded with an objection, appeal or repair application (or supplied when asked for)."""

    filing = models.ForeignKey(Filing, verbose_name=_("filing"), on_delete=models.PROTECT, related_name="attachments")
    history = tracked_history(table_name="portal_historicalfilingattachment")

    class Meta:
        db_table = "portal_filingattachment"
        verbose_name = _("filing attachment")
        verbose_name_plural = _("filing attachments")
        ordering = ["filing", "id"]


class StatementAttachment(Attachment):
    """Evidence the entity files with its statement (陈述申辩) on the pre-decision notice."""

    statement = models.ForeignKey(
        "cases.Statement", verbose_name=_("statement"), on_delete=models.PROTECT, related_name="attachments"
    )
    history = tracked_history()

    class Meta:
        verbose_name = _("statement attachment")
        verbose_name_plural = _("statement attachments")
        ordering = ["statement", "id"]
