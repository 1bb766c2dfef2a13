"""Cases and what hangs off them (DESIGN §4–5). Only ``cases.services`` change these rows."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.history import tracked_history

from ..workflow import State
from .catalogue import CatalogueItem, MeasureType, Severity


class CaseNumberSequence(models.Model):
    """The last number issued per department and year, so case numbers are gap-free and readable."""

    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["department", "year"], name="one_sequence_per_department_year")]

    def __str__(self):
        return f"{self.department_id}/{self.year}: {self.last}"


def _queue_index(state: str, due_field: str, name: str) -> models.Index:
    """Cases waiting in ``state``, most urgent first: the order the review queue reads them in."""
    return models.Index(
        F(due_field).asc(nulls_first=True), F("submitted_at"), F("id"), condition=Q(state=state), name=name
    )


class Case(models.Model):
    """A record of dishonest conduct against one entity, owned by one department."""

    number = models.CharField(_("case number"), max_length=32, unique=True, editable=False)
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="cases"
    )
    entity = models.ForeignKey(
        "entities.Entity", verbose_name=_("entity"), on_delete=models.PROTECT, related_name="cases"
    )
    catalogue_item = models.ForeignKey(
        CatalogueItem,
        verbose_name=_("conduct (catalogue item)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, blank=True)
    facts = models.TextField(_("facts"), help_text=_("What happened, when, and what the evidence shows."))
    internal_notes = models.TextField(
        _("internal notes"), blank=True, help_text=_("Working notes for staff; never shown to the entity.")
    )
    state = models.CharField(_("state"), max_length=24, choices=State.choices, default=State.DRAFT, editable=False)
    # Incremented by every transition: a form posted from an older page is refused, not applied twice.
    version = models.PositiveIntegerField(default=1, editable=False)

    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("caseworker"), on_delete=models.PROTECT, related_name="+",
        editable=False,
    )  # fmt: skip
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+",
        null=True, blank=True, editable=False,
    )  # fmt: skip
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    review_due_on = models.DateField(_("review due"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), on_delete=models.PROTECT, related_name="+",
        null=True, blank=True, editable=False,
    )  # fmt: skip
    notice_served_at = models.DateTimeField(_("notice served at"), null=True, blank=True, editable=False)
    statement_window_ends_on = models.DateField(_("statement window ends"), null=True, blank=True, editable=False)
    decision_due_on = models.DateField(_("decision due"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+",
        null=True, blank=True, editable=False,
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    # Set when the case is sanctioned, from the rule periods in force on the legal document's date (cases.clocks).
    record_ends_on = models.DateField(_("record period ends"), null=True, blank=True, editable=False)
    repair_earliest_on = models.DateField(_("credit repair possible from"), null=True, blank=True, editable=False)
    # Marked by the lifecycle sweep (cases.services.lifecycle); a transition clears ``overdue_since``.
    repair_eligible_since = models.DateField(
        _("eligible for credit repair since"), null=True, blank=True, editable=False
    )
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True, editable=False)
    under_objection = models.BooleanField(_("under objection"), default=False, editable=False)
    under_legal_challenge = models.BooleanField(_("under legal challenge"), default=False, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    history = tracked_history()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("submit_case", _("Can submit a case for review")),
            ("review_case", _("Can approve, return, reject and decide cases")),
            ("oversee_case", _("Can see the cases of every department")),
        ]
        indexes = [
            models.Index(fields=["department", "state", "-created_at"], name="case_department_state_idx"),
            models.Index(fields=["entity", "-created_at"], name="case_entity_idx"),
            # Issue 11: the changelist's order, lists filtered by state, admin search (PostgreSQL only: 0009).
            models.Index(fields=["-created_at", "-id"], name="case_created_idx"),
            models.Index(fields=["state", "-created_at"], name="case_state_created_idx"),
            GinIndex(OpClass(Upper("number"), name="gin_trgm_ops"), name="case_number_trgm"),
            # The review queue (cases/selectors/queues.py, review_queue): one ordered walk per waiting state.
            _queue_index(State.SUBMITTED, "review_due_on", "case_review_queue_idx"),
            _queue_index(State.DECISION_PENDING, "decision_due_on", "case_decision_queue_idx"),
        ]
        constraints = [
            # Four eyes (DESIGN §5): whoever approves or decides is never who submitted.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("submitted_by")),
                name="case_approver_is_not_submitter",
                violation_error_message=_("The approving supervisor cannot be the person who submitted the case."),
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("submitted_by")),
                name="case_decider_is_not_submitter",
                violation_error_message=_("The deciding supervisor cannot be the person who submitted the case."),
            ),
            models.CheckConstraint(condition=Q(state__in=State.values), name="case_state_valid"),
        ]

    def __str__(self):
        return self.number


class LegalDocument(models.Model):
    """The document with legal effect a case rests on (49号: a finding must rest on one)."""

    class Type(models.TextChoices):
        PENALTY_DECISION = "penalty_decision", _("administrative penalty decision")
        ADMINISTRATIVE_RULING = "administrative_ruling", _("administrative ruling")
        COURT_JUDGMENT = "court_judgment", _("effective court judgment or ruling")
        ARBITRAL_AWARD = "arbitral_award", _("arbitral award")
        OTHER_LEGAL_BASIS = "other", _("other document designated by law")

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="legal_document")
    type = models.CharField(_("document type"), max_length=32, choices=Type.choices)
    number = models.CharField(_("document number"), max_length=100)
    issuer = models.CharField(_("issued by"), max_length=200)
    issued_on = models.DateField(_("date of document"))
    history = tracked_history()

    class Meta:
        verbose_name = _("legal document")
        verbose_name_plural = _("legal documents")

    def __str__(self):
        return f"{self.issuer} {self.number}"


class Sanction(models.Model):
    """A measure: proposed on the draft, then applied by the decision (DESIGN §4)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        PENDING = "pending", _("pending")
        ACTIVE = "active", _("in force")
        ENDED = "ended", _("ended")
        WITHDRAWN = "withdrawn", _("not imposed")

    class EndReason(models.TextChoices):
        EXPIRED = "expired", _("expired")
        REPAIRED = "repaired", _("credit repaired")
        REVOKED = "revoked", _("revoked")
        CORRECTED = "corrected", _("corrected")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="sanctions")
    measure_type = models.ForeignKey(
        MeasureType, verbose_name=_("measure"), on_delete=models.PROTECT, related_name="sanctions"
    )
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"), null=True, blank=True, help_text=_("Blank: for the record period.")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    planned_end_on = models.DateField(_("planned end"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=16, choices=EndReason.choices, blank=True)
    history = tracked_history()

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["case", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end_on__isnull=True) | Q(planned_end_on__gte=F("starts_on")),
                name="sanction_end_after_start",
            ),
            models.UniqueConstraint(fields=["case", "measure_type"], name="one_sanction_per_measure_per_case"),
        ]

    def __str__(self):
        return str(self.measure_type)

    @property
    def recorded_only(self) -> bool:
        """Court-only and informational measures are recorded, never imposed by an agency."""
        return self.measure_type.authority != MeasureType.Authority.AGENCY


class Decision(models.Model):
    """Append-only record of each review outcome. The four-eyes rule holds here in the database too."""

    class Outcome(models.TextChoices):
        APPROVE = "approve", _("approved: pre-decision notice issued")
        RETURN = "return", _("returned for changes")
        REJECT = "reject", _("rejected")
        SANCTION = "sanction", _("decided: measures imposed")
        DISMISS = "dismiss", _("decided: dismissed")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    reasons = models.TextField(_("reasons"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    case_version = models.PositiveIntegerField(_("case version"))
    history = tracked_history()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decided_by=F("submitter")),
                name="decision_four_eyes",
                violation_error_message=_("A supervisor cannot review a case they submitted."),
            ),
            # One decision per case version: two concurrent decisions cannot both be recorded.
            models.UniqueConstraint(fields=["case", "case_version"], name="one_decision_per_case_version"),
        ]

    def __str__(self):
        return f"{self.case} {self.get_outcome_display()}"


class Statement(models.Model):
    """What the entity said in answer to the pre-decision notice."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="statements")
    text = models.TextField(_("statement"))
    received_on = models.DateField(_("received on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    history = tracked_history()

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-recorded_at"]

    def __str__(self):
        return f"{self.case} {self.received_on}"


class Notice(models.Model):
    """What was served to the entity: the rendered text in both languages, as served (DESIGN §4)."""

    class Kind(models.TextChoices):
        PRE_DECISION = "pre_decision", _("pre-decision notice")
        DECISION = "decision", _("decision")
        EXPIRY = "expiry", _("end of the record period")
        FILING_RECEIPT = "filing_receipt", _("receipt of a filing")
        REPAIR_INCOMPLETE = "repair_incomplete", _("request for missing documents")
        FILING_DECISION = "filing_decision", _("decision on an objection, appeal or credit repair")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    template_version = models.CharField(_("template version"), max_length=32)
    language = models.CharField(_("entity's language"), max_length=10)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    body_zh = models.TextField(_("text (Chinese)"))
    body_en = models.TextField(_("text (English)"))
    respond_by = models.DateField(_("respond by"), null=True, blank=True)
    served_at = models.DateTimeField(_("served at"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    history = tracked_history()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-served_at", "-id"]

    def __str__(self):
        return f"{self.case} {self.get_kind_display()}"
