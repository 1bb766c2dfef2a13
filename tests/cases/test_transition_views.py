"""Every workflow button of the case page, pressed through the admin view (issue 20 §5).

The services have their own tests; these check what the view hands them: a sanction of conduct the catalogue
publishes "per case" once crashed the view (it passed ``publish`` but dropped the reasons).
"""

import pytest
from django.urls import reverse

from cases import services
from cases.admin.workflow import TRANSITION_VIEWS
from cases.models import Case, Publication
from cases.workflow import State
from tests.cases.conftest import item
from tests.cases.frozen_clock import FrozenClock

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    import datetime

    return FrozenClock(monkeypatch, datetime.date(2026, 11, 16))


def _draft(make_draft, caseworker, *, per_case=False):
    draft = make_draft(measures=(("public_disclosure", 24),)) if per_case else make_draft()
    if per_case:
        draft = services.case_update(
            case=draft, actor=caseworker, facts=draft.facts, catalogue_item=item("tax_evasion_penalty"),
            severity="general", internal_notes="",
        )  # fmt: skip
    return draft


def _submitted(make_draft, caseworker, **kwargs):
    return services.case_submit(case=_draft(make_draft, caseworker, **kwargs), actor=caseworker)


def _noticed(make_draft, caseworker, supervisor, **kwargs):
    return services.case_approve(case=_submitted(make_draft, caseworker, **kwargs), actor=supervisor)


def _pending(make_draft, caseworker, supervisor, **kwargs):
    case = _noticed(make_draft, caseworker, supervisor, **kwargs)
    return services.case_record_statement(case=case, actor=caseworker, text="No objection.")


# name → (who presses it, how to reach its source state, what the form posts, the state it leads to)
CASES = {
    "submit": ("caseworker", lambda d, cw, sup: _draft(d, cw), {}, State.SUBMITTED),
    "withdraw": ("caseworker", lambda d, cw, sup: _submitted(d, cw), {"reasons": "Wrong entity."}, State.DRAFT),
    "return": ("supervisor", lambda d, cw, sup: _submitted(d, cw), {"reasons": "Add evidence."}, State.DRAFT),
    "reject": ("supervisor", lambda d, cw, sup: _submitted(d, cw), {"reasons": "No basis."}, State.REJECTED),
    "approve": ("supervisor", lambda d, cw, sup: _submitted(d, cw), {"reasons": "Verified."}, State.NOTICE_ISSUED),
    "record_statement": (
        "caseworker",
        lambda d, cw, sup: _noticed(d, cw, sup),
        {"text": "We paid.", "received_on": "2026-11-16"},
        State.DECISION_PENDING,
    ),
    "sanction": (
        "supervisor",
        lambda d, cw, sup: _pending(d, cw, sup),
        {"reasons": "Facts established."},
        State.SANCTIONED,
    ),
    "dismiss": ("supervisor", lambda d, cw, sup: _pending(d, cw, sup), {"reasons": "Paid in time."}, State.DISMISSED),
}


def test_every_transition_view_is_exercised_here():
    assert set(CASES) == set(TRANSITION_VIEWS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_admin_view_carries_out_the_transition(client, make_draft, caseworker, supervisor, name):
    who, reach, data, target = CASES[name]
    case = reach(make_draft, caseworker, supervisor)
    client.force_login({"caseworker": caseworker, "supervisor": supervisor}[who])
    url = reverse("admin:cases_case_transition", args=[case.pk, name])
    assert client.get(url).status_code == 200
    response = client.post(url, {"version": case.version, **data})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Case.objects.get(pk=case.pk).state == target


@pytest.mark.parametrize(("publish", "published"), [("on", True), ("", False)])
def test_a_per_case_sanction_through_the_admin_view_keeps_the_reasons(
    client, make_draft, caseworker, supervisor, publish, published
):
    case = _pending(make_draft, caseworker, supervisor, per_case=True)
    client.force_login(supervisor)
    url = reverse("admin:cases_case_transition", args=[case.pk, "sanction"])
    assert 'name="publish"' in client.get(url).content.decode()
    data = {"version": case.version, "reasons": "Facts established."}
    if publish:
        data["publish"] = publish
    response = client.post(url, data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.SANCTIONED
    assert case.decisions.get(outcome="sanction").reasons == "Facts established."
    assert Publication.objects.filter(case=case).exists() is published


def test_an_approval_through_the_view_runs_a_bounded_number_of_statements(client, make_draft, caseworker, supervisor):
    """Issue 22: one policy query for view and action, one lock and head read for the audit chain, the notice's
    rows read once, the legal document and department joined in the locking read, the catalogue's allowed
    measures and the proportionality rules read once for all measures, the checked measures and the new
    decision handed to the notice (55 statements on PostgreSQL before, in the benchmark; 38 here before the
    last three)."""
    from django.db import connection

    from audit import chain

    case = _submitted(make_draft, caseworker)
    client.force_login(supervisor)
    url = reverse("admin:cases_case_transition", args=[case.pk, "approve"])
    client.get(reverse("admin:cases_case_queue"))  # per-process caches (the policy's permission ids) warm
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.post(url, {"version": case.version, "reasons": ""})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == State.NOTICE_ISSUED
    # On SQLite, the request's savepoint included. PostgreSQL adds what SQLite has no use for: its advisory locks
    # (SQLite serialises writes) and the policy's planner estimates of a user's grants (an EXPLAIN each, cached per
    # process for ten minutes: accounts.permissions._many_grants).
    extra = [sql for sql in statements if "pg_advisory" in sql or sql.startswith("EXPLAIN")]
    assert len(statements) - len(extra) <= 32, "\n".join(sql[:90] for sql in statements)
    assert len(extra) <= 6, extra
    assert chain.verify() == []
