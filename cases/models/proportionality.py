"""The proportionality table (issue 20 §3): per conduct and severity, which measures and for how long at most.

Versioned data with sources, like the rest of the catalogue: a row is in force from ``valid_from`` until the day
before ``valid_to``; administrators correct it in the admin (history kept) and new editions arrive as data
migrations (``cases/data/proportionality-*.json``). Enforced by ``cases.proportionality``.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from audit.history import tracked_history

from .catalogue import CatalogueItem, Confidence, LegalSource, MeasureType, Severity


class ProportionalityRule(models.Model):
    catalogue_item = models.ForeignKey(
        CatalogueItem, verbose_name=_("conduct (catalogue item)"), on_delete=models.PROTECT, related_name="+"
    )
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    measure_type = models.ForeignKey(MeasureType, verbose_name=_("measure"), on_delete=models.PROTECT, related_name="+")
    max_duration_months = models.PositiveSmallIntegerField(
        _("maximum duration (months)"), null=True, blank=True, help_text=_("Blank: up to the record period.")
    )
    valid_from = models.DateField(_("in force from"))
    valid_to = models.DateField(_("in force until (exclusive)"), null=True, blank=True)
    sources = models.ManyToManyField(LegalSource, verbose_name=_("sources"), blank=True, related_name="+")
    confidence = models.CharField(_("confidence"), max_length=32, choices=Confidence.choices)
    notes = models.TextField(_("notes"), blank=True)
    history = tracked_history(m2m_fields=["sources"])

    class Meta:
        verbose_name = _("proportionality rule")
        verbose_name_plural = _("proportionality rules")
        ordering = ["catalogue_item", "severity", "measure_type", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["catalogue_item", "severity", "measure_type", "valid_from"], name="one_rule_per_edition"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="proportionality_valid_period",
                violation_error_message=_("The end date must be after the start date."),
            ),
        ]

    def __str__(self):
        return f"{self.catalogue_item.code} / {self.severity} / {self.measure_type.code}"
