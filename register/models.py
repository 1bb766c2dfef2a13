"""The register's index of published cases (issue 18): what is searched, filtered and shown, nothing more.

Each :class:`Listing` mirrors one ``cases.Publication`` through ``cases.selectors.publications`` — the
allow-listed public content (``content``) and the ids and dates it is searched by. It is refreshed whenever
the publication or its case is saved (``register.signals``); whether it is shown is decided at read time from
its dates (:meth:`ListingQuerySet.visible`), so an entry leaves the register on the day it ends even before
anything is written. Record URLs use ``token``, a random opaque identifier, never the primary key.
"""

import datetime
import secrets

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_BYTES = 16


def new_token() -> str:
    """22 URL-safe characters, 128 random bits: record URLs cannot be guessed or counted."""
    return secrets.token_urlsafe(TOKEN_BYTES)


# On the register apart from its dates: listed, not a minor's, not ended by a write (``register.services._shown``).
SHOWN = models.Q(listed=True, minor=False, ended_on__isnull=True)


def visible_q(on: datetime.date | None = None) -> models.Q:
    """What the public may see on ``on``: listed, started, not ended, before the maximum, never a minor."""
    on = on or timezone.localdate()
    return SHOWN & models.Q(published_from__lte=on, max_end_on__gt=on)


class ListingQuerySet(models.QuerySet):
    def visible(self, on: datetime.date | None = None):
        """What the public may see on ``on`` (:func:`visible_q`)."""
        return self.filter(visible_q(on))


class Listing(models.Model):
    publication = models.OneToOneField(
        "cases.Publication", verbose_name=_("publication"), on_delete=models.CASCADE, related_name="register_listing"
    )
    token = models.CharField(_("public identifier"), max_length=32, unique=True, default=new_token, editable=False)
    content = models.JSONField(_("public content"))
    name = models.CharField(_("name"), max_length=200)
    # The name as screening compares it (``register.screening.screening_key``), written with the name. Null only
    # between adding the column and filling it (migration 0007), for the reason ``csv_line`` is.
    screening_key = models.CharField(_("screening key"), max_length=200, null=True, editable=False)  # noqa: DJ001
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    natural_person = models.BooleanField(_("natural person"))
    minor = models.BooleanField(_("minor"))
    listed = models.BooleanField(_("listed"))
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("deciding department"), on_delete=models.PROTECT, related_name="+"
    )
    catalogue_item = models.ForeignKey(
        "cases.CatalogueItem", verbose_name=_("conduct"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    measure_types = models.ManyToManyField("cases.MeasureType", verbose_name=_("measures"), related_name="+")
    decided_on = models.DateField(_("decision date"), null=True)
    published_from = models.DateField(_("published from"))
    max_end_on = models.DateField(_("latest end"))
    ended_on = models.DateField(_("ended on"), null=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    # The bulk download's CSV line after its first cell (the record URL, which follows the settings), rendered from
    # ``content`` whenever the listing is written (``register.downloads.csv_line``) so that writing the whole file
    # only joins lines; ``csv_format`` is the rendering's version, and a line of another version is not used. Null
    # until then: SQLite adds a nullable column in place, where a default would rebuild the table (and its GIN index).
    csv_line = models.TextField(_("CSV line"), null=True, editable=False)  # noqa: DJ001 - see above
    csv_format = models.CharField(_("CSV format"), max_length=16, null=True, editable=False)  # noqa: DJ001

    objects = ListingQuerySet.as_manager()

    class Meta:
        verbose_name = _("register entry")
        verbose_name_plural = _("register entries")
        ordering = ["-decided_on", "-id"]
        indexes = [
            # Name search is ``name__icontains`` = ``UPPER(name) LIKE``: a trigram index (PostgreSQL only, 0001),
            # without GIN's pending list, which every search would read through (0004).
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="register_listing_name_trgm", fastupdate=False),
            # Terms too short for trigrams (``华信``) use ``register_listing_name_grams``, a GIN index on the generated
            # column ``name_grams`` (each character and character pair of ``UPPER(name)``): PostgreSQL only, and in
            # the database only (0008; the model does not declare the column, ``selectors._ShortTermName`` reads it).
            models.Index(fields=["-decided_on", "-id"], name="register_listing_order_idx"),
            # Screening (``selectors.listings_screen``, migration 0007): equal keys first, then trigram similarity of
            # the keys, only over what can be shown (the visibility conditions imply ``SHOWN``).
            models.Index(fields=["screening_key"], name="register_listing_screen_eq", condition=SHOWN),
            GinIndex(
                fields=["screening_key"],
                opclasses=["gin_trgm_ops"],
                name="register_listing_screen_trgm",
                condition=SHOWN,
                fastupdate=False,
            ),
            # The API's sync walks listings in (updated_at, id) order from a cursor (``selectors.listings_changed``).
            models.Index(fields=["updated_at", "id"], name="register_listing_sync_idx"),
            # ... and finds the listings that left the register by date alone (no write) by their end, in order.
            models.Index(fields=["max_end_on", "id"], name="register_listing_date_end_idx", condition=SHOWN),
        ]

    def __str__(self):
        return self.name


class PublicationEvent(models.Model):
    """One event of the public publication log (issue 18): a listing published, amended or ended — or a witness.

    A ``witness`` entry carries a seal of the internal audit chain, signed with the audit witness key
    (``audit.witness``): the link's number, hash and seal time, in ``witness``, and no record token.
    Digests only — the record's token, the event, the day and the SHA-256 of its public content — chained with the
    audit chain's primitives (``audit.chain.content_hash``, ``link_hash``), so a copy in anyone's hands proves
    later whether an entry was edited, removed, reordered or backdated. Append-only: only ``register.log`` writes.
    """

    class Event(models.TextChoices):
        PUBLISH = "publish", _("published")
        AMEND = "amend", _("amended")
        END = "end", _("ended")
        WITNESS = "witness", _("audit seal witnessed")

    # Numbered by ``log_append`` under its lock, not by a database sequence: a rolled-back append leaves no gap.
    seq = models.PositiveBigIntegerField(primary_key=True)
    token = models.CharField(_("public identifier"), max_length=32, db_index=True)
    event = models.CharField(_("event"), max_length=16, choices=Event.choices)
    on = models.DateField(_("date"))
    content_hash = models.CharField(_("content digest"), max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # Only on witness entries: the signed statement (``audit.witness.FIELDS``), whose digest is ``content_hash``.
    witness = models.JSONField(_("audit seal witness"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("publication log entry")
        verbose_name_plural = _("publication log")
        ordering = ["seq"]

    def __str__(self):
        return f"#{self.seq} {self.event} {self.token}"
