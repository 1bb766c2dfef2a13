import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts import roles
from audit.models import AccessLog
from entities.models import Entity, EntityRelation, Representative
from entities.services import (
    DuplicateEntityError,
    entity_find_by_identifier,
    entity_register,
    entity_reveal_identifier,
    entity_update,
    relation_add,
    representative_add,
)
from tests.factories import EntityFactory, UserFactory, make_id_number, make_uscc

pytestmark = pytest.mark.django_db

PERSON_ID = "11010519491231002X"  # the GB 11643-1999 example number


@pytest.fixture
def caseworker():
    return UserFactory(role=roles.CASEWORKER)


def _codes(error: ValidationError, field="identifier"):
    return [e.code for e in error.error_dict[field]]


def test_register_person_stores_protected_identifier(caseworker):
    person = entity_register(actor=caseworker, kind=Entity.Kind.NATURAL_PERSON, name="Zhang San", identifier=PERSON_ID)
    person.refresh_from_db()
    assert person.id_number == PERSON_ID  # decrypts for the code that needs it
    assert person.id_number_masked == "1101**********002X"
    assert person.display_identifier == "1101**********002X"
    assert len(person.id_number_hash) == 64
    assert person.uscc is None
    assert person.region_code == "110105"
    assert person.is_minor() is False


def test_register_organisation_keeps_public_credit_code(caseworker):
    code = make_uscc("310115")
    firm = entity_register(actor=caseworker, kind=Entity.Kind.LEGAL_PERSON, name="Firm", identifier=code.lower())
    assert firm.uscc == code
    assert firm.display_identifier == code
    assert firm.region_code == "310115"
    assert firm.id_number is None and firm.id_number_hash is None


def test_registration_leaves_a_history_row_with_actor_and_reason(caseworker):
    firm = EntityFactory(actor=caseworker)
    record = firm.history.get()
    assert record.history_type == "+"
    assert record.history_user == caseworker
    assert record.history_change_reason == "registered"


def test_minor_is_derived_from_birth_date(caseworker):
    child = EntityFactory(person=True, identifier=make_id_number(birth="20150601"))
    assert child.is_minor()
    assert not EntityFactory(person=True, identifier=make_id_number(birth="19900101")).is_minor()


@pytest.mark.parametrize(
    ("kind", "identifier", "code"),
    [
        (Entity.Kind.NATURAL_PERSON, "11010519491231002", "id_length"),
        (Entity.Kind.NATURAL_PERSON, "110105194912310021", "id_checksum"),
        (Entity.Kind.NATURAL_PERSON, "110105194902300028", "id_birth_date"),
        (Entity.Kind.NATURAL_PERSON, "91110105MA01ACME0B", "wrong_identifier_kind"),
        (Entity.Kind.LEGAL_PERSON, "11010519491231002X", "wrong_identifier_kind"),
        (Entity.Kind.LEGAL_PERSON, "91110105MA01ACME0C", "uscc_checksum"),
        (Entity.Kind.OTHER_ORGANISATION, "91110105MA01ACME0", "uscc_length"),
        (Entity.Kind.GOVERNMENT_BODY, "", "required"),
    ],
)
def test_bad_identifiers_are_refused_at_the_field_and_nothing_is_saved(caseworker, kind, identifier, code):
    with pytest.raises(ValidationError) as error:
        entity_register(actor=caseworker, kind=kind, name="X", identifier=identifier)
    assert _codes(error.value) == [code]
    assert Entity.objects.count() == 0
    assert Entity.history.count() == 0


@pytest.mark.parametrize("person", [True, False])
def test_duplicate_identifier_is_refused_and_names_the_existing_entity(caseworker, person):
    existing = EntityFactory(person=person)
    identifier = existing.id_number if person else existing.uscc
    with pytest.raises(DuplicateEntityError) as error:
        entity_register(actor=caseworker, kind=existing.kind, name="Again", identifier=f" {identifier.lower()} ")
    assert error.value.existing == existing
    assert _codes(error.value) == ["duplicate"]
    assert Entity.objects.count() == 1


def test_database_refuses_a_duplicate_that_slips_past_the_check(caseworker):
    from django.db import IntegrityError, transaction

    existing = EntityFactory(person=True)
    clone = Entity(kind=existing.kind, name="Clone", region_code="110105", id_number_hash=existing.id_number_hash)
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_database_refuses_an_identifier_of_the_wrong_kind(caseworker):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Entity.objects.create(kind=Entity.Kind.NATURAL_PERSON, name="No id", region_code="110105", uscc=make_uscc())


def test_update_corrects_identifier_and_refuses_another_entitys(caseworker):
    first, second = EntityFactory(person=True), EntityFactory(person=True)
    corrected = make_id_number()
    entity_update(entity=first, actor=caseworker, name="Renamed", region_code="110101", identifier=corrected)
    first.refresh_from_db()
    assert (first.name, first.region_code, first.id_number) == ("Renamed", "110101", corrected)
    assert first.history.first().history_user == caseworker
    with pytest.raises(DuplicateEntityError):
        entity_update(entity=first, actor=caseworker, name="X", region_code="110101", identifier=second.id_number)
    # A blank identifier keeps the current one; the entity's own identifier is not a duplicate of itself.
    entity_update(entity=first, actor=caseworker, name="Again", region_code="110101", identifier=corrected)
    entity_update(entity=first, actor=caseworker, name="Again", region_code="110101")
    first.refresh_from_db()
    assert first.id_number == corrected


def test_find_by_identifier_uses_exact_match(caseworker):
    person = EntityFactory(person=True)
    firm = EntityFactory()
    assert entity_find_by_identifier(person.id_number.lower()) == person
    assert entity_find_by_identifier(firm.uscc) == firm
    assert entity_find_by_identifier(person.id_number[:10]) is None
    assert entity_find_by_identifier("ACME") is None


def test_reveal_records_the_access_before_returning(caseworker):
    supervisor = UserFactory(role=roles.SUPERVISOR)
    person = EntityFactory(person=True)
    number = entity_reveal_identifier(entity=person, actor=supervisor, purpose="verify identity for case TAX-1")
    assert number == person.id_number
    log = AccessLog.objects.get()
    assert (log.actor, log.action, log.target_id, log.field) == (
        supervisor,
        "reveal_identifier",
        person.pk,
        "id_number",
    )
    assert log.actor_department == supervisor.department
    assert log.actor_roles == roles.SUPERVISOR
    assert log.purpose == "verify identity for case TAX-1"


def test_reveal_needs_a_purpose(caseworker):
    person = EntityFactory(person=True)
    with pytest.raises(ValidationError) as error:
        entity_reveal_identifier(entity=person, actor=UserFactory(role=roles.SUPERVISOR), purpose="   ")
    assert error.value.error_dict["purpose"][0].code == "purpose_required"
    assert AccessLog.objects.count() == 0


def test_reveal_is_refused_without_the_permission(caseworker):
    person = EntityFactory(person=True)
    with pytest.raises(PermissionDenied):
        entity_reveal_identifier(entity=person, actor=caseworker, purpose="curious")
    with pytest.raises(Http404):
        entity_reveal_identifier(entity=person, actor=UserFactory(is_staff=True), purpose="curious")
    assert AccessLog.objects.count() == 0


def test_relation_must_link_an_organisation_to_a_person(caseworker):
    firm, person = EntityFactory(), EntityFactory(person=True)
    relation = relation_add(
        actor=caseworker, organisation=firm, person=person, role=EntityRelation.Role.LEGAL_REPRESENTATIVE
    )
    assert relation.history.get().history_user == caseworker
    with pytest.raises(ValidationError) as error:
        relation_add(actor=caseworker, organisation=person, person=firm, role=EntityRelation.Role.PRINCIPAL)
    assert set(error.value.error_dict) == {"organisation", "person"}
    with pytest.raises(ValidationError):  # one current legal representative
        relation_add(
            actor=caseworker,
            organisation=firm,
            person=EntityFactory(person=True),
            role=EntityRelation.Role.LEGAL_REPRESENTATIVE,
        )


def test_representative_is_a_portal_account_verified_by_staff(caseworker):
    supervisor = UserFactory(role=roles.SUPERVISOR)
    person, firm = EntityFactory(person=True), EntityFactory()
    portal_user = UserFactory(role=roles.ENTITY_REPRESENTATIVE)
    rep = representative_add(
        actor=supervisor, user=portal_user, entity=person, relationship=Representative.Relationship.SELF
    )
    assert (rep.verified_by, rep.history.get().history_user) == (supervisor, supervisor)
    assert rep.verified_at is not None
    with pytest.raises(ValidationError) as error:
        representative_add(
            actor=supervisor, user=UserFactory(), entity=firm, relationship=Representative.Relationship.SELF
        )
    assert "relationship" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        representative_add(
            actor=supervisor, user=caseworker, entity=firm, relationship=Representative.Relationship.AUTHORISED_AGENT
        )
    assert "user" in error.value.error_dict
