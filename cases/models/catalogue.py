"""The catalogue (DESIGN §4): what conduct may be recorded, which measures may follow, and the periods.

It is data, seeded by a data migration from ``cases/data/`` with a source for every row, edited by
administrators in the admin and history-tracked, never hard-coded in logic.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from audit.history import tracked_history


class Severity(models.TextChoices):
    # "minor" is also an age ("under 18"); the context keeps the two translations apart.
    MINOR = "minor", pgettext_lazy("severity", "minor")
    GENERAL = "general", _("general")
    SERIOUS = "serious", _("serious")


class Confidence(models.TextChoices):
    CONFIRMED = "confirmed_primary_text", _("confirmed in the primary text")
    SECONDARY = "secondary_summary", _("secondary summary")
    INFERRED = "inferred", _("inferred (to be confirmed)")


class BilingualName(models.Model):
    """A row with a Chinese and an English name; ``name`` follows the active language."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class LegalSource(models.Model):
    """A law, regulation, notice or other text a catalogue row cites."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    title_zh = models.TextField(_("title (Chinese)"), blank=True)
    title_en = models.TextField(_("title (English)"), blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    kind = models.CharField(_("kind of source"), max_length=32, blank=True)
    urls = models.JSONField(_("addresses"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    history = tracked_history()

    class Meta:
        verbose_name = _("legal source")
        verbose_name_plural = _("legal sources")
        ordering = ["code"]

    def __str__(self):
        title = self.title_en if (get_language() or "").startswith("en") else self.title_zh
        return title or self.code


class CatalogueItem(BilingualName):
    """A category of recordable dishonest conduct with its legal basis."""

    class Publishable(models.TextChoices):
        YES = "yes", _("yes")
        NO = "no", _("no")
        PER_CASE = "per_case", _("decided per case")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    category_zh = models.CharField(_("catalogue category (Chinese)"), max_length=200, blank=True)
    category_en = models.CharField(_("catalogue category (English)"), max_length=200, blank=True)
    legal_basis_zh = models.TextField(_("legal basis (Chinese)"))
    legal_basis_en = models.TextField(_("legal basis (English)"))
    recording_authority_zh = models.CharField(_("recorded by (Chinese)"), max_length=200, blank=True)
    recording_authority_en = models.CharField(_("recorded by (English)"), max_length=200, blank=True)
    court_only = models.BooleanField(
        _("court only"), default=False, help_text=_("Recorded from a court's decision; an agency imposes nothing.")
    )
    applicable_kinds = models.JSONField(
        _("applies to"), default=list, help_text=_("Entity kinds this item applies to.")
    )
    default_severity = models.CharField(_("default severity"), max_length=16, choices=Severity.choices)
    publishable = models.CharField(_("may be published"), max_length=16, choices=Publishable.choices)
    retention_years = models.PositiveSmallIntegerField(_("retention (years)"), null=True, blank=True)
    sources = models.ManyToManyField(LegalSource, verbose_name=_("sources"), blank=True, related_name="+")
    confidence = models.CharField(_("confidence"), max_length=32, choices=Confidence.choices)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = tracked_history(m2m_fields=["sources"])

    class Meta:
        verbose_name = _("catalogue item")
        verbose_name_plural = _("catalogue items")
        ordering = ["code"]

    @property
    def legal_basis(self) -> str:
        return self.legal_basis_en if (get_language() or "").startswith("en") else self.legal_basis_zh


class MeasureType(BilingualName):
    """A punishment measure from the measures list, with who may impose it and for how long."""

    class Authority(models.TextChoices):
        AGENCY = "agency", _("imposed by an agency")
        COURT_ONLY = "court_only", _("court only (recorded, not imposed)")
        INFORMATIONAL = "informational", _("informational (taken by others)")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    category = models.PositiveSmallIntegerField(
        _("category"),
        choices=[
            (1, _("reduces rights or adds obligations")),
            (2, _("management measure")),
            (3, _("taken by market or social actors")),
        ],
    )
    legal_basis_zh = models.TextField(_("legal basis (Chinese)"))
    legal_basis_en = models.TextField(_("legal basis (English)"))
    applicable_kinds = models.JSONField(_("applies to"), default=list)
    authority = models.CharField(_("authority"), max_length=16, choices=Authority.choices)
    max_duration_months = models.PositiveSmallIntegerField(
        _("maximum duration (months)"), null=True, blank=True, help_text=_("Blank: for the record period.")
    )
    duration_rule = models.TextField(_("duration rule"), blank=True)
    catalogue_items = models.ManyToManyField(
        CatalogueItem,
        verbose_name=_("allowed for"),
        blank=True,
        related_name="measure_types",
        help_text=_("The catalogue items whose legal basis supports this measure."),
    )
    sources = models.ManyToManyField(LegalSource, verbose_name=_("sources"), blank=True, related_name="+")
    confidence = models.CharField(_("confidence"), max_length=32, choices=Confidence.choices)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = tracked_history(m2m_fields=["catalogue_items", "sources"])

    class Meta:
        verbose_name = _("measure type")
        verbose_name_plural = _("measure types")
        ordering = ["code"]

    @property
    def legal_basis(self) -> str:
        return self.legal_basis_en if (get_language() or "").startswith("en") else self.legal_basis_zh


class RulePeriod(models.Model):
    """One versioned number of the rules: a window, deadline or period, in force from a date."""

    class Kind(models.TextChoices):
        PUBLICATION_MIN = "publication_min", _("minimum publication period")
        PUBLICATION_MAX = "publication_max", _("maximum publication period")
        REPAIR_EARLIEST = "repair_earliest", _("earliest credit repair")
        LISTING_TERM = "listing_term", _("listing term")
        LISTING_EXTENSION_MAX = "listing_extension_max", _("maximum listing extension")
        EARLY_REMOVAL_EARLIEST = "early_removal_earliest", _("earliest early removal")
        ESCALATION_AFTER = "escalation_after", _("escalation after")
        PROCESS_DEADLINE = "process_deadline", _("process deadline")
        STATEMENT_WINDOW = "statement_window", _("statement window")

    class Unit(models.TextChoices):
        DAYS = "days", _("calendar days")
        WORKING_DAYS = "working_days", _("working days")
        MONTHS = "months", _("months")

    key = models.CharField(_("key"), max_length=100, unique=True)
    regime = models.CharField(_("rule set"), max_length=64)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    severity = models.CharField(
        _("severity"), max_length=16, choices=[*Severity.choices, ("any", _("any"))], default="any"
    )
    value = models.PositiveIntegerField(_("value"))
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    effective_from = models.DateField(_("in force from"))
    effective_to = models.DateField(_("in force until"), null=True, blank=True)
    starts_from = models.CharField(_("counted from"), max_length=64, blank=True)
    sector_scope = models.JSONField(_("sectors"), null=True, blank=True)
    catalogue_items = models.ManyToManyField(
        CatalogueItem, verbose_name=_("only for"), blank=True, related_name="rule_periods"
    )
    sources = models.ManyToManyField(LegalSource, verbose_name=_("sources"), blank=True, related_name="+")
    confidence = models.CharField(_("confidence"), max_length=32, choices=Confidence.choices)
    notes = models.TextField(_("notes"), blank=True)
    history = tracked_history(m2m_fields=["catalogue_items", "sources"])

    class Meta:
        verbose_name = _("rule period")
        verbose_name_plural = _("rule periods")
        ordering = ["kind", "severity", "-effective_from"]
        indexes = [models.Index(fields=["kind", "severity", "effective_from"], name="ruleperiod_lookup_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=F("effective_from")),
                name="ruleperiod_valid_range",
                violation_error_message=_("The end of validity must be after its start."),
            )
        ]

    def __str__(self):
        return f"{self.key}: {self.value} {self.get_unit_display()}"


class CalendarDay(models.Model):
    """A date the State Council's holiday notice changes: an official holiday or a make-up working day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("public holiday")
        WORKDAY = "workday", _("make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=100)
    notice = models.CharField(_("notice"), max_length=300)
    source = models.TextField(_("source"))
    history = tracked_history()

    class Meta:
        verbose_name = _("holiday calendar day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"
