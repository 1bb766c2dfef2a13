"""What the public register shows for a case (DESIGN §4, §7): a masked snapshot, from / min / max / until.

The snapshot is built from an explicit allow-list when the case is decided
(``cases.services.lifecycle.publication_snapshot``) and never from the full model, so later changes
to the case, the entity or the catalogue cannot leak into the register. Only ``cases.services``
write these rows.
"""

import datetime

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.history import tracked_history

from .case import Case, Sanction


class PublicationQuerySet(models.QuerySet):
    def visible(self, on: datetime.date | None = None):
        """What the public may see on ``on``: started, not ended, never past the maximum (even if the sweep is late)."""
        on = on or timezone.localdate()
        return self.filter(published_from__lte=on, ended_on__isnull=True, max_end_on__gt=on)


class Publication(models.Model):
    """The publication of one sanctioned case on the public credit register."""

    EndReason = Sanction.EndReason

    case = models.OneToOneField(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="publication")
    snapshot = models.JSONField(_("published content"), editable=False)
    published_from = models.DateField(_("published from"))
    min_end_on = models.DateField(
        _("earliest end"), null=True, blank=True, help_text=_("Credit repair can end publication from this date.")
    )
    max_end_on = models.DateField(_("latest end"), help_text=_("Publication ends automatically on this date."))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=16, choices=EndReason.choices, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    # The entity's own short statement shown with the published entry (issue 6), written through the portal.
    entity_statement = models.TextField(_("statement of the entity"), blank=True, max_length=500)
    entity_statement_at = models.DateTimeField(_("statement added at"), null=True, blank=True)
    history = tracked_history()

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-published_from", "-id"]
        indexes = [models.Index(fields=["ended_on", "max_end_on"], name="publication_running_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_end_on__gte=F("published_from")), name="publication_max_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(min_end_on__isnull=True) | Q(min_end_on__lte=F("max_end_on")),
                name="publication_min_end_before_max_end",
            ),
            # An ended publication says why, and a running one has no reason.
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True, end_reason="") | (Q(ended_on__isnull=False) & ~Q(end_reason="")),
                name="publication_end_reason_iff_ended",
            ),
        ]

    def __str__(self):
        return str(self.case)

    def is_visible(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.published_from <= on < self.max_end_on and self.ended_on is None
