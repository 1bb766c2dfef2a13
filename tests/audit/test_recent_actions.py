"""The admin index's "Recent actions" lists what the user did through the services (issue 25)."""

from django.urls import reverse

from audit.timeline import recent_actions
from cases import services


def test_recent_actions_are_the_users_own_latest_changes(make_draft, caseworker, supervisor):
    case = services.case_submit(case=make_draft(), actor=caseworker)
    services.case_approve(case=case, actor=supervisor, reasons="Verified")
    mine = recent_actions(supervisor)
    # Approving changed the case and served its notice (newest first).
    approved = next(action for action in mine if action.title == f"case #{case.pk} changed")
    assert mine[0].title.startswith("notice #") and mine[0].title.endswith("created")
    assert approved.reason == "approve and issue notice: Verified"
    assert approved.url == reverse("admin:cases_case_change", args=[case.pk])
    assert case.number in approved.subject
    assert [action.at for action in mine] == sorted((action.at for action in mine), reverse=True)
    assert len(recent_actions(caseworker, limit=3)) == 3


def test_admin_index_shows_them(client, make_draft, caseworker, django_assert_max_num_queries):
    case = make_draft()
    client.force_login(caseworker)
    with django_assert_max_num_queries(25):
        html = client.get(reverse("admin:index")).text
    sidebar = html[html.index('id="recent-actions-module"') :]
    assert f'href="{reverse("admin:cases_case_change", args=[case.pk])}"' in sidebar
    assert "draft created" in sidebar
    assert "None available" not in sidebar
