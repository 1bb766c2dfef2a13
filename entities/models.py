"""The entity registry: the firms and persons cases are recorded against (DESIGN §4, §7).

Identity numbers of natural persons are never stored in clear: ``id_number`` holds ciphertext,
``id_number_hash`` a keyed hash for exact lookup and uniqueness, ``id_number_masked`` what may be shown.
Only the services in ``entities.services`` set them.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import region_code_validator
from audit.history import tracked_history

from .crypto import EncryptedTextField
from .divisions import UsccCategory, uscc_category
from .identifiers import birth_date_from_id_number, is_minor_on


class Entity(models.Model):
    class Kind(models.TextChoices):
        NATURAL_PERSON = "natural_person", _("natural person")
        LEGAL_PERSON = "legal_person", _("legal person")
        OTHER_ORGANISATION = "other_organisation", _("other organisation")
        GOVERNMENT_BODY = "government_body", _("government body")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    # Organisations' credit codes are public registration data (DESIGN §7).
    uscc = models.CharField(_("unified social credit code"), max_length=18, null=True, blank=True, unique=True)
    id_number = EncryptedTextField(_("identity number (encrypted)"), null=True, blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    id_number_masked = models.CharField(_("identity number"), max_length=18, blank=True, editable=False)
    region_code = models.CharField(
        _("region code"),
        max_length=6,
        validators=[region_code_validator],
        db_index=True,
        help_text=_("Six-digit administrative division code of registration or household registration."),
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now, editable=False)
    history = tracked_history()

    class Meta:
        verbose_name = _("entity")
        verbose_name_plural = _("entities")
        ordering = ["name", "id"]
        permissions = [("reveal_entity", _("Can reveal the full identity number of an entity"))]
        # Admin search is ``name__icontains`` = ``UPPER(name) LIKE``: a trigram index on that (PostgreSQL only, 0003).
        indexes = [GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="entity_name_trgm")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="natural_person", uscc__isnull=True, id_number_hash__isnull=False)
                    | (~Q(kind="natural_person") & Q(uscc__isnull=False, id_number_hash__isnull=True))
                ),
                name="entity_identifier_matches_kind",
                violation_error_message=_(
                    "A natural person is identified by an identity number; an organisation by a credit code."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.display_identifier})"

    @property
    def is_natural_person(self) -> bool:
        return self.kind == self.Kind.NATURAL_PERSON

    @property
    def display_identifier(self) -> str:
        """What every screen shows: the credit code in full, an identity number masked."""
        return self.id_number_masked if self.is_natural_person else (self.uscc or "")

    @property
    def uscc_category(self) -> UsccCategory | None:
        """The registration authority and entity category the credit code's first two characters imply."""
        return uscc_category(self.uscc) if self.uscc else None

    def is_minor(self, on=None) -> bool:
        """Whether this natural person is under 18 (decrypts the identity number; never logged)."""
        if not self.is_natural_person or not self.id_number:
            return False
        return is_minor_on(birth_date_from_id_number(self.id_number), on or timezone.localdate())

    is_minor.boolean = True
    is_minor.short_description = pgettext_lazy("age", "minor")


class EntityRelation(models.Model):
    """A person's role in an organisation: legal representative or other responsible person."""

    class Role(models.TextChoices):
        LEGAL_REPRESENTATIVE = "legal_representative", _("legal representative")
        PRINCIPAL = "principal", _("principal person in charge")
        DIRECTLY_RESPONSIBLE = "directly_responsible", _("directly responsible person")

    organisation = models.ForeignKey(
        Entity,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="responsible_persons",
    )
    person = models.ForeignKey(
        Entity,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="organisation_roles",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    history = tracked_history()

    class Meta:
        verbose_name = _("responsible person")
        verbose_name_plural = _("responsible persons")
        ordering = ["organisation", "role", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(organisation=F("person")),
                name="relation_not_self",
                violation_error_message=_("An organisation cannot be its own responsible person."),
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="relation_valid_period",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(role="legal_representative", valid_to__isnull=True),
                name="one_current_legal_representative",
                violation_error_message=_("This organisation already has a current legal representative."),
            ),
        ]

    def __str__(self):
        return f"{self.organisation.name}: {self.get_role_display()}"

    def clean(self):
        errors = {}
        if self.organisation_id and self.organisation.is_natural_person:
            errors["organisation"] = _("Choose an organisation, not a natural person.")
        if self.person_id and not self.person.is_natural_person:
            errors["person"] = _("A responsible person must be a natural person.")
        if errors:
            raise ValidationError(errors)


class Representative(models.Model):
    """A portal user acting for an entity, verified by staff, within validity dates (DESIGN §4)."""

    class Relationship(models.TextChoices):
        SELF = "self", _("the person themself")
        LEGAL_REPRESENTATIVE = "legal_representative", _("legal representative")
        AUTHORISED_AGENT = "authorised_agent", _("authorised agent")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal user"),
        on_delete=models.PROTECT,
        related_name="representations",
    )
    entity = models.ForeignKey(
        Entity, verbose_name=_("entity"), on_delete=models.PROTECT, related_name="representatives"
    )
    relationship = models.CharField(_("relationship"), max_length=32, choices=Relationship.choices)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    history = tracked_history()

    class Meta:
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")
        ordering = ["entity", "user"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="representative_valid_period",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.UniqueConstraint(
                fields=["user", "entity"],
                condition=Q(valid_to__isnull=True),
                name="one_open_representation_per_user_entity",
                violation_error_message=_("This user already represents this entity."),
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.entity.name}"

    def clean(self):
        if self.user_id and self.user.is_staff:
            raise ValidationError({"user": _("Staff accounts cannot represent an entity; use a portal account.")})
        if self.entity_id and self.relationship == self.Relationship.SELF and not self.entity.is_natural_person:
            raise ValidationError({"relationship": _("Only a natural person can act for themself.")})


class LegacyIdentifier(models.Model):
    """A genuine identifier that fails the code rules (old pilot-region codes), accepted by the validators.

    Administrators add one with the reason it is genuine (domain rules §3.1); removing it from use means
    setting ``active`` off, so the history keeps every decision. An identity number is held as its keyed
    hash and masked form only, like ``Entity``.
    """

    class Kind(models.TextChoices):
        USCC = "uscc", _("unified social credit code")
        ID_NUMBER = "id_number", _("resident identity number")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, null=True, blank=True, unique=True, editable=False
    )
    id_number_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    id_number_masked = models.CharField(_("identity number"), max_length=18, blank=True, editable=False)
    reason = models.TextField(_("reason"), help_text=_("Why this code is genuine although it fails the rules."))
    active = models.BooleanField(_("accepted"), default=True)
    created_at = models.DateTimeField(_("added at"), default=timezone.now, editable=False)
    history = tracked_history()

    class Meta:
        verbose_name = _("legacy identifier")
        verbose_name_plural = _("legacy identifiers")
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="uscc", uscc__isnull=False, id_number_hash__isnull=True)
                | Q(kind="id_number", uscc__isnull=True, id_number_hash__isnull=False),
                name="legacy_identifier_matches_kind",
            ),
        ]

    def __str__(self):
        return self.uscc or self.id_number_masked
