"""The data generator writes what the application would (issue 11), deterministically."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse

from audit import chain
from cases.models import Case, CaseGroupObjectPermission, CaseNumberSequence, CaseUserObjectPermission
from cases.workflow import State
from demo import datagen
from entities import crypto
from entities.models import Entity

pytestmark = pytest.mark.django_db

CASES, ENTITIES = 60, 25


class _Undo(Exception):
    pass


def _digest():
    """What a run decided, without ids or wall-clock times."""
    return sorted(
        Case.objects.values_list("number", "state", "entity__name", "department__code", "caseworker__username")
    ), sorted(CaseUserObjectPermission.objects.values_list("user__username", "content_object__number"))


@pytest.fixture
def generated(settings):
    settings.DEBUG = True
    call_command("generate_data", cases=CASES, entities=ENTITIES, seed=5, verbosity=0)


def test_rows_are_what_the_application_writes(generated, client, django_assert_max_num_queries):
    assert Case.objects.count() == CASES
    assert Entity.objects.count() == ENTITIES
    assert set(Case.objects.values_list("state", flat=True)) <= set(State.values)
    for case in Case.objects.select_related("department"):
        assert case.number.startswith(f"{case.department.code}-")
        # Every case has its department's group grants and its caseworker's grants, as case_create gives them.
        assert CaseGroupObjectPermission.objects.filter(content_object=case).count() == 7
        assert CaseUserObjectPermission.objects.filter(content_object=case, user=case.caseworker).count() == 3
        history = list(case.history.all())
        assert history and all(h.history_user_id for h in history)
        if case.state != State.DRAFT:
            assert case.submitted_by_id and case.legal_document and case.sanctions.exists()
        if case.state in (State.SANCTIONED, State.DISMISSED, State.NOTICE_ISSUED, State.DECISION_PENDING):
            assert case.approved_by_id not in (None, case.submitted_by_id)
            assert case.notices.exists()
    # Numbering continues where the generator stopped.
    for sequence in CaseNumberSequence.objects.all():
        numbers = Case.objects.filter(department=sequence.department, number__contains=f"-{sequence.year}-")
        assert numbers.count() == sequence.last
    # Identity numbers are encrypted, with the blind index the registry service computes.
    person = Entity.objects.filter(kind=Entity.Kind.NATURAL_PERSON).first()
    if person is not None:
        assert person.id_number_hash == crypto.blind_index(person.id_number)
        assert person.id_number_masked.count("*") == 10
    heavy = datagen.special_usernames(5)["heavy"]
    assert (
        CaseUserObjectPermission.objects.filter(user__username=heavy)
        .exclude(content_object__caseworker__username=heavy)
        .exists()
    )
    # The scoped changelist's query count stays fixed on generated data.
    from accounts.models import User

    client.force_login(User.objects.get(username=heavy))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("admin:cases_case_changelist")).status_code == 200
    # The audit chain accepts the generated history rows like any other.
    assert chain.verify() == []
    call_command("verify_audit", verbosity=0)


def test_same_seed_same_data(settings):
    """Deterministic for a seed, whether batches are cloned in this process or by forked workers."""
    settings.DEBUG = True
    digests = []
    for workers in (0, 2):
        try:
            with transaction.atomic():
                call_command("generate_data", cases=30, entities=15, seed=9, workers=workers, verbosity=0)
                assert chain.verify() == []
                digests.append(_digest())
                raise _Undo
        except _Undo:
            pass
    assert digests[0] == digests[1]
    assert (
        datagen.make_plan(seed=9, cases=30, entities=15, now=None).cases
        == datagen.make_plan(seed=9, cases=30, entities=15, now=None).cases
    )


def test_refuses_without_debug_or_on_real_data(settings, firm):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("generate_data", cases=5, verbosity=0)
    settings.DEBUG = True
    with pytest.raises(CommandError, match="--append"):
        call_command("generate_data", cases=5, verbosity=0)
    with pytest.raises(CommandError, match="--workers"):
        call_command("generate_data", cases=5, workers=-1, verbosity=0)


@pytest.fixture
def firm(db):
    from tests.factories import EntityFactory

    return EntityFactory()


def test_templated_hashes_match_the_chain():
    """The generator's precomputed row and link hashes are byte for byte ``audit.chain``'s, whatever the types."""
    import datetime
    import decimal
    import uuid

    from accounts.models import User

    model = User.history.model
    when = datetime.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    columns = ["history_id", "zeta", "name", "when", "day", "count", "flag", "none", "amount", "token", "blob", "num"]
    proto = [1, "x", 'Café "quoted" \\ 北京\n', when, when.date(), 7, True, None, decimal.Decimal("1.50"),
             uuid.UUID(int=5), b"\x00\xff", 1.25]  # fmt: skip
    clone = [2, "y", "Zhang Wei 张伟", when.replace(tzinfo=None), datetime.date(2020, 2, 29), -3, False, "now set",
             decimal.Decimal("0"), uuid.UUID(int=9), memoryview(b"ab"), 0.1]  # fmt: skip
    for changing in (set(), set(range(1, len(columns))), {1, 3, 5, 9}):
        plan = datagen._hash_plan(columns, tuple(proto), changing, model)
        values = [clone[i] if i in changing else proto[i] for i in range(len(columns))]
        expected = chain.content_hash(dict(zip(columns[1:], values[1:], strict=True)))
        assert datagen._row_hash(plan, values) == expected
    assert datagen._link_hash("a" * 64, "cases_historicalcase", "12", "b" * 64) == chain.link_hash(
        prev_hash="a" * 64, table="cases_historicalcase", row_pk="12", kind="row", row_hash="b" * 64, note=""
    )


def test_refuses_keys_taken_by_another_writer():
    """Keys are handed out ahead of the writes: a batch whose keys were taken meanwhile is not written."""
    from tests.factories import CaseFactory

    generator = datagen.Generator(cases=1, entities=1, seed=4, workers=0)
    generator._superuser = False
    base = datagen._max_pk(Case) + 1  # handed out to a batch ...
    CaseFactory()  # ... then another writer inserts a case
    with pytest.raises(RuntimeError, match="rows were added to cases_case"):
        generator._write(({"cases_case": base}, {}, [], []), None)


@pytest.mark.postgres
def test_indexes_set_aside_for_the_load_come_back_identical(settings):
    """On PostgreSQL the plain indexes are dropped for the bulk load and rebuilt from their exact definitions."""
    from django.db import connection

    def indexes():
        """Name, table, method, uniqueness, columns, operator classes and expressions of every index (a partial
        index's predicate may be printed differently once rebuilt from its own definition: only its presence)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, i.indrelid::regclass::text, am.amname, i.indisunique, i.indkey::text, "
                "i.indclass::text, pg_get_expr(i.indexprs, i.indrelid), i.indpred IS NOT NULL FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1"
            )
            return cursor.fetchall()

    before = indexes()
    assert any(row[0] == "chainlink_row_idx" for row in before)
    settings.DEBUG = True
    out = io.StringIO()
    call_command("generate_data", cases=20, entities=10, seed=6, stdout=out)
    assert "indexes set aside for the load" in out.getvalue()
    assert indexes() == before
    assert chain.verify() == []
