"""The staff dashboards (issue 25): scoped figures, charts linking to their lists, few queries, the landing page."""

import datetime
import io
import re
from html import unescape

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from audit.models import AccessLog
from cases.models import Case, Filing, Publication
from dashboards import charts, selectors
from tests.factories import CaseFactory, DepartmentFactory, UserFactory

DASHBOARD = "/dashboard/"


@pytest.fixture
def tax(db):
    return DepartmentFactory(code="TAX", name="Tax bureau")


@pytest.fixture
def market(db):
    return DepartmentFactory(code="MKT", name="Market regulation bureau")


@pytest.fixture
def supervisor(tax):
    return UserFactory(role=roles.SUPERVISOR, department=tax, username="sup_tax")


def _case(department, **fields):
    case = CaseFactory(department=department)
    Case.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    return case


@pytest.fixture
def office(tax, market):
    """Tax: one review overdue, one due today, one decided (measures) this month; Market: two overdue reviews."""
    today = timezone.localdate()
    _case(tax, state="submitted", review_due_on=today - datetime.timedelta(days=3))
    _case(tax, state="submitted", review_due_on=today)
    decided = _case(tax, state="sanctioned", decided_at=timezone.now())
    Publication.objects.create(
        case=decided,
        snapshot={},
        published_from=today,
        min_end_on=today + datetime.timedelta(days=5),
        max_end_on=today + datetime.timedelta(days=10),
    )
    for _index in range(2):
        _case(market, state="submitted", review_due_on=today - datetime.timedelta(days=1))
    return decided


def _login(client, user):
    client.force_login(user)
    return client


def _figures(html) -> dict[str, str]:
    """Each key figure's label → value, as shown."""
    found = re.findall(r'<span class="dash-value">([^<]*)</span> <span class="dash-label">([^<]*)</span>', html)
    return {unescape(label): unescape(value) for value, label in found}


def test_chart_layout_stacks_segments_and_scales_to_the_largest_bar():
    chart = charts.bar_chart(
        title="t",
        slug="t",
        rows=[
            charts.Row("a", "/a", [charts.Part("x", 2, "/ax"), charts.Part("y", 2, "/ay")]),
            charts.Row("b", "", [charts.Part("x", 1, "/bx"), charts.Part("y", 0, "/by")]),
        ],
        series={"x": "X", "y": "Y"},
    )
    first, second = chart.bars
    assert [segment.width for segment in first.segments] == [charts.PLOT_WIDTH // 2, charts.PLOT_WIDTH // 2]
    assert first.segments[1].x == charts.LABEL_WIDTH + charts.PLOT_WIDTH // 2
    assert [segment.url for segment in second.segments] == ["/bx"]  # an empty segment is not drawn
    assert (first.total, second.total, chart.total) == (4, 1, 5)
    assert [entry.label for entry in chart.legend] == ["X", "Y"]


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_portal_users_get_no_dashboard(client, db):
    entity_user = UserFactory(role=roles.ENTITY_REPRESENTATIVE)
    response = _login(client, entity_user).get(DASHBOARD)
    assert response.status_code == 302


def test_staff_sign_in_without_next_lands_on_the_dashboard(client, supervisor):
    page = client.get(reverse("admin:login"))
    assert f'name="next" value="{DASHBOARD}"' in page.text
    response = client.post(reverse("admin:login"), {"username": "sup_tax", "password": "pw"})
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    # A form posted without its hidden field (scripts, old bookmarks) lands there too, never on /accounts/profile/.
    client.logout()
    response = client.post(reverse("admin:login") + "?", {"username": "sup_tax", "password": "pw", "next": ""})
    assert response["Location"] == DASHBOARD


def test_sign_in_with_next_keeps_it(client, supervisor):
    url = reverse("admin:login") + "?next=/admin/cases/case/"
    assert (
        client.post(url, {"username": "sup_tax", "password": "pw", "next": "/admin/cases/case/"})["Location"]
        == "/admin/cases/case/"
    )


def test_supervisor_figures_are_scoped_to_the_department(client, supervisor, office):
    response = _login(client, supervisor).get(DASHBOARD)
    assert response.status_code == 200
    figures = _figures(response.text)
    # Market's two overdue reviews are not counted.
    assert figures["Waiting for review"] == "2"
    assert figures["Reviews overdue"] == "1"
    assert figures["Decisions overdue"] == "0"
    assert "Cases by state" in response.text
    assert "Deadlines this week" in response.text
    assert "Decisions per month by outcome" in response.text
    assert "Objection and appeal outcomes" in response.text
    assert "Publications ending in the next 8 weeks" in response.text
    # Not the other roles' dashboards.
    assert "Access and audit" not in response.text
    assert "Queue by kind and age" not in response.text


def test_supervisor_charts_count_what_the_list_behind_shows(client, supervisor, office):
    dashboard = selectors.case_dashboard(supervisor, timezone.localdate())
    by_state = dashboard["charts"][0]
    submitted = next(bar for bar in by_state.bars if bar.label == "submitted for review")
    assert submitted.total == 2
    _login(client, supervisor)
    listed = client.get(submitted.url)
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 2

    decisions = dashboard["charts"][2]
    this_month = decisions.bars[-1]
    assert [(segment.label, segment.value) for segment in this_month.segments] == [("measures imposed", 1)]
    assert client.get(this_month.segments[0].url).context["cl"].result_count == 1

    publications = dashboard["charts"][4]
    ending = [bar for bar in publications.bars if bar.total]
    assert len(ending) == 1
    assert client.get(ending[0].url).context["cl"].result_count == 1


def test_every_link_on_every_dashboard_opens_its_list(client, superuser, office):
    """The admin refuses lookups it does not allow (a redirect with ``?e=1``): each link must be a list that opens."""
    _login(client, superuser)
    page = client.get(DASHBOARD)
    links = sorted({unescape(href) for href in re.findall(r'href="(/admin/[^"]+)"', page.text) if "?" in href})
    assert len(links) > 25
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
        assert response.context["cl"].result_count >= 0


def test_admin_only_user_is_told_there_is_no_dashboard(client, db):
    administrator = UserFactory(role=roles.ADMINISTRATOR)
    response = _login(client, administrator).get(DASHBOARD)
    assert response.status_code == 200
    assert "There is no dashboard for your role." in response.text


@pytest.mark.parametrize(
    ("role", "max_queries"),
    # The supervisor's count includes, on PostgreSQL, the planner's estimate of the user's grants (one EXPLAIN).
    [(roles.SUPERVISOR, 15), (roles.APPEALS_REVIEWER, 11), (roles.AUDITOR, 12)],
)
def test_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries, tax, role, max_queries):
    user = UserFactory(role=role, department=tax if role in roles.DEPARTMENT_ROLES else None)
    _login(client, user)
    for _index in range(3):
        _case(tax, state="submitted", review_due_on=timezone.localdate())
    with django_assert_max_num_queries(max_queries):
        assert client.get(DASHBOARD).status_code == 200
    for _index in range(10):
        _case(tax, state="decision_pending", decision_due_on=timezone.localdate())
    with django_assert_max_num_queries(max_queries):
        assert client.get(DASHBOARD).status_code == 200


@pytest.fixture
def reviewer(db):
    return UserFactory(role=roles.APPEALS_REVIEWER, username="reviewer")


def _filing(case, kind, *, days_ago=0, outcome="", due_on=None):
    status = Filing.Status.DECIDED if outcome else Filing.Status.FILED
    filed_at = timezone.now() - datetime.timedelta(days=days_ago)
    return Filing.objects.create(
        case=case, kind=kind, reference=f"F-{case.pk}-{kind}-{days_ago}", text="reasons", status=status,
        filed_by=case.caseworker, filed_at=filed_at, outcome=outcome, due_on=due_on,
        decided_at=timezone.now() if outcome else None,
    )  # fmt: skip


def test_appeals_dashboard_queue_ages_and_upheld_rate(client, reviewer, tax):
    today = timezone.localdate()
    _filing(_case(tax, state="sanctioned"), Filing.Kind.OBJECTION, days_ago=2, due_on=today - datetime.timedelta(1))
    _filing(_case(tax, state="sanctioned"), Filing.Kind.APPEAL, days_ago=40, due_on=today + datetime.timedelta(9))
    _filing(_case(tax, state="sanctioned"), Filing.Kind.APPEAL, outcome=Filing.Outcome.REVOKED)
    _filing(_case(tax, state="sanctioned"), Filing.Kind.OBJECTION, outcome=Filing.Outcome.DISMISSED)
    _filing(_case(tax, state="sanctioned"), Filing.Kind.OBJECTION, outcome=Filing.Outcome.DISMISSED, days_ago=1)
    _filing(_case(tax, state="sanctioned"), Filing.Kind.OBJECTION, outcome=Filing.Outcome.CORRECTED, days_ago=2)
    response = _login(client, reviewer).get(DASHBOARD)
    figures = _figures(response.text)
    assert figures["Waiting for a reviewer"] == "2"
    assert figures["Overdue"] == "1"
    assert figures["Upheld rate (objections and appeals, 12 months)"] == "50 %"
    dashboard = selectors.appeals_dashboard(reviewer, today)
    queue = {
        bar.label: {segment.label: segment.value for segment in bar.segments} for bar in dashboard["charts"][0].bars
    }
    assert queue["objection to the record"] == {"up to 7 days": 1}
    assert queue["appeal against the decision"] == {"31 to 60 days": 1}
    appeal_old = dashboard["charts"][0].bars[1].segments[0]
    assert client.get(appeal_old.url).context["cl"].result_count == 1
    assert dashboard["charts"][1].bars[-1].total == 4


def test_appeals_upheld_rate_without_decisions_is_a_dash(client, reviewer):
    figures = _figures(_login(client, reviewer).get(DASHBOARD).text)
    assert figures["Upheld rate (objections and appeals, 12 months)"] == "—"


@pytest.fixture
def auditor(db):
    return UserFactory(role=roles.AUDITOR, username="auditor")


def _reads(monkeypatch, actor, count, *, days_ago, action=AccessLog.Action.VIEW, purpose="case review"):
    """``count`` access-log rows written ``days_ago`` days ago: the clock is set back while they are written
    (``at`` is set on insert, and the access log is append-only on PostgreSQL)."""
    from django.contrib.contenttypes.models import ContentType

    target_type = ContentType.objects.get_for_model(Case)
    then = timezone.now() - datetime.timedelta(days=days_ago)
    with monkeypatch.context() as clock:
        clock.setattr(timezone, "now", lambda: then)
        AccessLog.objects.bulk_create(
            AccessLog(
                actor=actor, actor_department_id=actor.department_id, action=action, target_type=target_type,
                target_id=index + 1, purpose=purpose,
            )
            for index in range(count)
        )  # fmt: skip


def test_auditor_sees_unusual_access_and_chain_status(client, auditor, tax, monkeypatch):
    steady = UserFactory(role=roles.CASEWORKER, department=tax, username="steady")
    spike = UserFactory(role=roles.CASEWORKER, department=tax, username="spike")
    _reads(monkeypatch, steady, 8 * 30, days_ago=20)  # 30 a week usually
    _reads(monkeypatch, steady, 30, days_ago=1)
    _reads(monkeypatch, spike, 8 * 2, days_ago=20)  # 2 a week usually
    _reads(monkeypatch, spike, 25, days_ago=1)
    _reads(monkeypatch, spike, 3, days_ago=2, action=AccessLog.Action.REVEAL_IDENTIFIER, purpose="identity check")
    response = _login(client, auditor).get(DASHBOARD)
    section = response.text[response.text.index('id="dash-audit"') :]
    assert ">spike</a>" in section
    assert ">steady</a>" not in section
    dashboard = selectors.audit_dashboard(auditor, timezone.localdate())
    volume, reveals = dashboard["charts"]
    assert [(bar.label, bar.total) for bar in volume.bars] == [("Tax bureau", 8 * 30 + 30 + 8 * 2 + 25 + 3)]
    assert {segment.label for segment in volume.bars[0].segments} == {"case review", "identity check"}
    # Two days ago is this week or last week, whatever the day of the week.
    assert [(s.label, s.value) for bar in reveals.bars[-2:] for s in bar.segments] == [("spike", 3)]
    unusual = dashboard["unusual"][0]
    assert (unusual.username, unusual.recent, unusual.usual) == ("spike", 28, 2.0)
    assert client.get(unusual.url).context["cl"].result_count == 28


def test_chain_status_is_the_last_sealed_verification(client, auditor):
    _login(client, auditor)
    assert _figures(client.get(DASHBOARD).text)["Audit chain"] == "not verified yet"
    call_command("verify_audit", "--seal", stdout=io.StringIO())
    assert _figures(client.get(DASHBOARD).text)["Audit chain"].startswith("intact up to link #")


def test_no_inline_styles_or_scripts(client, superuser, office):
    """The strict CSP would block them: the charts use SVG presentation attributes and the stylesheet only."""
    html = _login(client, superuser).get(DASHBOARD).text
    assert "style=" not in html
    assert "<script" not in html.split("</head>")[1] or 'src="' in html


def test_dashboard_in_chinese(client, supervisor, office):
    from django.utils import translation

    _login(client, supervisor)
    with translation.override("zh-hans"):
        response = client.get(DASHBOARD, headers={"Accept-Language": "zh-hans"})
    assert response.status_code == 200
    assert "按状态" in response.text or "案件" in response.text
