"""``cases_create_many`` (issue 25 §2): the checks, numbers, history, grants and chain of ``case_create``, in bulk."""

import io
from collections import Counter

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import roles
from accounts.permissions import can
from audit import chain
from audit.models import ChainLink
from cases import services
from cases.models import Case, CaseGroupObjectPermission, CaseNumberSequence, CaseUserObjectPermission
from cases.services import NewCase
from entities.models import Entity
from tests.cases.conftest import item
from tests.factories import EntityFactory, UserFactory

pytestmark = pytest.mark.django_db

# What differs between two cases however they were opened.
CASE_OWN = {"id", "number", "created_at"}
HISTORY_OWN = CASE_OWN | {"history_id", "history_date"}


def _new(entity, facts="Evaded VAT.", **kwargs):
    return NewCase(entity=entity, facts=facts, catalogue_item=kwargs.pop("catalogue_item", item("tax_evasion_penalty")),
                   **kwargs)  # fmt: skip


def _values(obj, own) -> dict:
    return {
        field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields if field.attname not in own
    }


def _grants(case) -> tuple[list, list]:
    """The case's grants and their history rows, without their own ids and times."""
    found = []
    for model, holder in ((CaseGroupObjectPermission, "group_id"), (CaseUserObjectPermission, "user_id")):
        rows = sorted((getattr(row, holder), row.permission_id) for row in model.objects.filter(content_object=case))
        history = sorted(
            (getattr(row, holder), row.permission_id, row.history_user_id, row.history_change_reason, row.history_type)
            for row in model.history.filter(content_object_id=case.pk)
        )
        found.append((rows, history))
    return found


def _links(case) -> Counter:
    """How many chain links name the case's history rows and its grants' history rows, per table."""
    rows = {Case.history.model: Case.history.filter(id=case.pk)}
    for model in (CaseGroupObjectPermission, CaseUserObjectPermission):
        rows[model.history.model] = model.history.filter(content_object_id=case.pk)
    found = Counter()
    for model, history in rows.items():
        pks = [str(pk) for pk in history.values_list("pk", flat=True)]
        for link in ChainLink.objects.filter(table=model._meta.db_table, row_pk__in=pks):
            found[link.table, link.kind, link.note] += 1
    return found


def _nothing_written():
    assert not Case.objects.exists()
    assert not Case.history.exists()
    assert not CaseUserObjectPermission.objects.exists() and not CaseGroupObjectPermission.objects.exists()
    assert not ChainLink.objects.filter(table=Case.history.model._meta.db_table).exists()
    assert not CaseNumberSequence.objects.filter(last__gt=0).exists()


def test_a_bulk_opened_case_is_the_case_case_create_opens(caseworker, firm):
    one = services.case_create(
        actor=caseworker, entity=firm, facts="Evaded VAT.", catalogue_item=item("tax_evasion_penalty")
    )
    created, problems = services.cases_create_many(actor=caseworker, cases=[_new(firm)])
    assert problems == {}
    (bulk,) = created
    bulk = Case.objects.get(pk=bulk.pk)
    assert _values(bulk, CASE_OWN) == _values(one, CASE_OWN)
    assert [_values(row, HISTORY_OWN) for row in bulk.history.all()] == [
        _values(row, HISTORY_OWN) for row in one.history.all()
    ]
    assert bulk.history.get().history_user == caseworker
    assert bulk.history.get().history_change_reason == "draft created"
    assert _grants(bulk) == _grants(one)
    group_grants, user_grants = _grants(bulk)
    assert (len(group_grants[0]), len(user_grants[0])) == (7, 3)  # caseworkers 3 + supervisors 4; the caseworker 3
    assert _links(bulk) == _links(one) and sum(_links(bulk).values()) == 11


def test_the_grants_give_the_same_access(caseworker, supervisor, other_caseworker, firm):
    (case,), _problems = services.cases_create_many(actor=caseworker, cases=[_new(firm)])
    assert can(caseworker, "change", case) and can(supervisor, "review", case)
    assert not can(other_caseworker, "view", case)


def test_numbers_are_contiguous_and_those_case_create_would_give(caseworker, firm):
    year = timezone.localdate().year
    created, _problems = services.cases_create_many(
        actor=caseworker, cases=[_new(firm, facts=str(i)) for i in range(3)]
    )
    assert [case.number for case in created] == [f"TAX-{year}-{serial:06d}" for serial in (1, 2, 3)]
    assert [case.facts for case in created] == ["0", "1", "2"]  # in list order
    single = services.case_create(actor=caseworker, entity=firm, facts="next")
    more, _problems = services.cases_create_many(actor=caseworker, cases=[_new(firm), _new(firm)])
    assert single.number == f"TAX-{year}-000004"
    assert [case.number for case in more] == [f"TAX-{year}-000005", f"TAX-{year}-000006"]
    assert CaseNumberSequence.objects.get().last == 6


def test_a_refused_actor_refuses_every_position(firm):
    for role in (roles.AUDITOR, roles.APPEALS_REVIEWER, roles.ADMINISTRATOR):
        created, problems = services.cases_create_many(actor=UserFactory(role=role), cases=[_new(firm), _new(firm)])
        assert created == [] and set(problems) == {0, 1}
        assert [error.code for error in problems.values()] == ["denied", "denied"]
        assert problems[0].messages == ["You may not create this record."]
    _nothing_written()


def test_staff_without_a_department_open_nothing(firm):
    actor = UserFactory(role=roles.CASEWORKER, department=None)
    created, problems = services.cases_create_many(actor=actor, cases=[_new(firm)])
    assert created == [] and problems[0].code == "no_department"
    assert problems[0].messages == ["Only staff of a department can open cases."]
    _nothing_written()


def test_each_refused_row_by_position_and_nothing_written(caseworker, firm):
    inactive = item("tax_major_violation")
    inactive.is_active = False
    inactive.save()
    government = EntityFactory(kind="government_body")
    unsaved = Entity(kind=Entity.Kind.LEGAL_PERSON, name="Never registered")
    created, problems = services.cases_create_many(
        actor=caseworker,
        cases=[
            _new(firm),
            _new(unsaved),
            _new(firm, catalogue_item=inactive),
            _new(government),
            _new(firm, severity="huge"),
            _new(firm, facts=""),
            _new(None),
            _new(firm),
        ],
    )
    assert created == []
    assert {index: sorted(error.message_dict) for index, error in problems.items()} == {
        1: ["entity"],
        2: ["catalogue_item"],
        3: ["catalogue_item"],
        4: ["severity"],
        5: ["facts"],
        6: ["entity"],
    }
    assert problems[1].message_dict["entity"] == ["No entity with this identifier is registered."]
    assert problems[2].message_dict["catalogue_item"] == ["This catalogue item is no longer in use."]
    assert "cannot be recorded against" in problems[3].message_dict["catalogue_item"][0]
    _nothing_written()
    assert services.case_create(actor=caseworker, entity=firm, facts="x").number.endswith("-000001")


def test_an_entity_out_of_the_actors_scope_reads_as_not_found(tax, firm):
    actor = UserFactory(is_staff=True, department=tax)
    actor.user_permissions.add(Permission.objects.get(codename="add_case", content_type__app_label="cases"))
    created, problems = services.cases_create_many(actor=actor, cases=[_new(firm)])
    assert created == [] and problems[0].message_dict["entity"] == ["No entity with this identifier is registered."]
    _nothing_written()


def test_an_unknown_catalogue_item_is_refused(caseworker, firm):
    missing = item("tax_evasion_penalty")
    missing.pk = 999_999
    _created, problems = services.cases_create_many(actor=caseworker, cases=[_new(firm, catalogue_item=missing)])
    assert problems[0].message_dict["catalogue_item"] == ["Unknown catalogue item code."]
    _nothing_written()


def test_an_empty_list_writes_nothing(caseworker):
    assert services.cases_create_many(actor=caseworker, cases=[]) == ([], {})
    _nothing_written()


def test_the_chain_verifies_after_a_bulk_open(caseworker, firm):
    services.case_create(actor=caseworker, entity=firm, facts="before")
    services.cases_create_many(actor=caseworker, cases=[_new(firm) for _ in range(5)])
    services.case_create(actor=caseworker, entity=firm, facts="after")
    assert chain.verify() == []
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()


def _statements(actor, entities) -> list[str]:
    cases = [_new(entity) for entity in entities]
    with CaptureQueriesContext(connection) as queries:
        created, problems = services.cases_create_many(actor=actor, cases=cases)
    assert problems == {} and len(created) == len(entities)
    return [query["sql"] for query in queries.captured_queries]


def test_statements_do_not_grow_with_the_list(caseworker):
    _statements(caseworker, [EntityFactory()])  # the department's groups, the sequence row: made on first use
    few = _statements(caseworker, [EntityFactory() for _ in range(10)])
    many = _statements(caseworker, [EntityFactory() for _ in range(100)])

    # SQLite caps the parameters of one statement, so Django splits a long insert there; nothing else grows.
    def others(statements):
        return [sql.split(" ", 1)[0] for sql in statements if not sql.startswith("INSERT")]

    assert others(many) == others(few)
    if connection.vendor == "postgresql":
        assert len(many) == len(few)
    assert len(few) <= 40, len(few)


def test_a_history_column_the_bulk_copy_does_not_fill_fails_loudly(caseworker, firm, monkeypatch):
    """The cases' and grants' history is copied column by column: a column it would leave empty stops the import."""
    from audit import history

    monkeypatch.setattr(history, "HISTORY_COLUMNS", ("history_date", "history_change_reason", "history_user"))
    with pytest.raises(RuntimeError, match="history_type"):
        services.cases_create_many(actor=caseworker, cases=[_new(firm)])
    _nothing_written()
