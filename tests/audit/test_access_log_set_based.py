"""Access-log rows written set-based (issue 19): one insert, chained as returned, exactly as one by one."""

import datetime
import decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from accounts.models import User
from audit import chain
from audit.models import AccessLog, ChainLink
from audit.services import (
    access_log_roles,
    access_log_roles_of,
    access_log_roles_subquery,
    access_log_write_ids,
    access_log_write_many,
)
from entities.models import Entity
from tests.factories import EntityFactory, UserFactory
from tests.statements import statements as _statements

pytestmark = pytest.mark.django_db


def test_rows_by_id_carry_what_the_rows_of_instances_carry_and_verify(tax):
    actor = UserFactory(role=roles.CASEWORKER, department=tax)
    entities = [EntityFactory() for _ in range(3)]
    written = access_log_write_ids(
        actor=actor, action=AccessLog.Action.VIEW, model=Entity, ids=[e.pk for e in entities], purpose=" checks ",
        field="api:test",
    )  # fmt: skip
    access_log_write_many(
        actor=actor, action=AccessLog.Action.VIEW, targets=entities, purpose="checks", field="api:test"
    )
    rows = list(AccessLog.objects.order_by("pk"))
    assert written == 3 and len(rows) == 6
    columns = ("actor_id", "actor_roles", "actor_department_id", "action", "target_type_id", "target_id", "field",
               "purpose", "request_id")  # fmt: skip
    assert [[getattr(row, c) for c in columns] for row in rows[:3]] == [
        [getattr(row, c) for c in columns] for row in rows[3:]
    ]
    assert rows[0].actor_roles == roles.CASEWORKER and rows[0].purpose == "checks"
    links = list(ChainLink.objects.filter(table="audit_accesslog").order_by("seq"))
    assert [link.row_pk for link in links] == [str(row.pk) for row in rows]
    assert chain.verify() == []


def test_rows_of_several_models_are_chained_too(tax, make_draft):
    actor = UserFactory(role=roles.CASEWORKER, department=tax)
    case = make_draft()
    access_log_write_many(actor=actor, action=AccessLog.Action.EXPORT, targets=[case.entity, case], purpose="export")
    assert AccessLog.objects.count() == 2
    assert chain.verify() == []


def test_nothing_to_log_writes_nothing_and_a_missing_purpose_is_refused(tax):
    from django.core.exceptions import ValidationError

    actor = UserFactory(role=roles.CASEWORKER, department=tax)
    assert (
        _statements(lambda: access_log_write_ids(actor=actor, action="view", model=Entity, ids=[], purpose="x")) == []
    )
    with pytest.raises(ValidationError):
        access_log_write_ids(actor=actor, action="view", model=Entity, ids=[1], purpose="  ")
    assert not AccessLog.objects.exists()


def test_a_second_write_in_the_transaction_takes_neither_lock_nor_head(tax):
    """The lock and the head once a transaction (as ``chain.append``): then one insert of rows, one of links."""
    actor = UserFactory(role=roles.CASEWORKER, department=tax)
    entities = [EntityFactory() for _ in range(4)]
    chain._lock()  # as at the start of a transaction: no head remembered

    def write(ids):
        return lambda: access_log_write_ids(
            actor=actor, action="view", model=Entity, ids=ids, purpose="p", actor_roles="given"
        )

    first = _statements(write([e.pk for e in entities[:2]]))
    later = _statements(write([e.pk for e in entities[2:]]))
    assert not any("SAVEPOINT" in sql for sql in first + later)
    assert sum('ORDER BY "audit_chainlink"."seq" DESC' in sql for sql in first) == 1
    assert len(later) == 2 and all(sql.startswith(("INSERT", "COPY")) for sql in later)
    assert set(AccessLog.objects.values_list("actor_roles", flat=True)) == {"given"}
    assert chain.verify() == []


def test_the_roles_read_with_another_query_are_those_read_alone(tax):
    caseworker = UserFactory(role=roles.CASEWORKER, department=tax)  # a role group and its department's group
    caseworker.groups.add(Group.objects.create(name="Zeta, reviewers"))
    nobody = UserFactory()
    for user in (caseworker, nobody):
        joined = User.objects.annotate(joined=access_log_roles_subquery("pk")).get(pk=user.pk).joined
        assert access_log_roles_of(joined) == access_log_roles(user)
    assert access_log_roles(caseworker) == f"{roles.CASEWORKER}, Zeta, reviewers"
    assert access_log_roles(nobody) == ""


def _row(**changes):
    row = {
        "id": 7, "at": timezone.now(), "actor_id": 3, "actor_roles": "Caseworker, 审核", "actor_department_id": None,
        "action": "view", "target_type_id": 12, "target_id": 40, "field": 'api:"x"', "purpose": "信用监管 \\ \n",
        "request_id": "",
    }  # fmt: skip
    return {**row, **changes}


@pytest.mark.parametrize(
    "rows",
    [
        [_row(id=1, target_id=5), _row(id=2, target_id=123456789012), _row(id=3, target_id=0)],
        # A row that differs elsewhere, or whose equal value is of another type, is hashed in full.
        [_row(id=1), _row(id=2, target_id=9, purpose="other"), _row(id=3, actor_id=True, target_id=1)],
        [_row(id=1, actor_id=1.0), _row(id=2, actor_id=1.0, target_id=8)],  # floats: never the shortcut
        [_row(id=1, actor_id=decimal.Decimal("1.0")), _row(id=2, actor_id=decimal.Decimal("1.00"))],
        [_row(id=1, at=datetime.date(2026, 1, 2), target_id="a\u2028b"), _row(id=2, target_id=None)],
        [_row(id=1, purpose=chain._GAP), _row(id=2)],  # the gap's own text in a value: no shortcut
    ],
)
def test_stored_rows_hash_as_content_hash_does(rows):
    expected = [(str(row["id"]), chain.content_hash({k: v for k, v in row.items() if k != "id"})) for row in rows]
    assert chain._stored_hashes(rows, "id", "target_id") == expected
    assert chain._stored_hashes(rows, "id", None) == expected


def test_links_hash_as_link_hash_does():
    hashes = [("1", "a" * 64), ("2", "b" * 64), ('3"\\', "c" * 64)]
    links = chain._links(chain.GENESIS, "audit_表", "row", hashes)
    prev = chain.GENESIS
    for (pk, row_hash), link in zip(hashes, links, strict=True):
        expected = chain.link_hash(prev_hash=prev, table="audit_表", row_pk=pk, kind="row", row_hash=row_hash, note="")
        assert link == (pk, row_hash, prev, expected)
        prev = expected
