"""Every portal page as a representative of each demo-like entity (a firm and a natural person)."""

import pytest
from django.urls import reverse

from accounts import roles
from cases.models import Notice
from tests.factories import UserFactory

from .fixtures import login

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["acme", "wang"])
def mine(request, clock, firm, wang, rep_acme, rep_wang, serve, sanction):
    """(representative, entity, served case, sanctioned case) for each demo-like entity."""
    user, entity = {"acme": (rep_acme, firm), "wang": (rep_wang, wang)}[request.param]
    served = serve(entity)
    decided = sanction(serve(entity))
    return user, entity, served, decided


def test_records_lists_my_served_cases_only(mine, make_draft, caseworker):
    user, entity, served, decided = mine
    draft = make_draft(entity=entity, measures=(("public_disclosure", 24),))
    response = login(user).get(reverse("portal:records"))
    assert response.status_code == 200
    body = response.content.decode()
    assert served.number in body and decided.number in body
    assert draft.number not in body
    assert entity.name in body


def test_case_detail_shows_notices_measures_deadlines_and_publication(mine):
    user, _entity, served, decided = mine
    client = login(user)
    response = client.get(reverse("portal:case_detail", args=[decided.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "statement window ends" in body
    assert "administrative reconsideration by" in body
    assert "Published on the public credit register" in body
    assert "Days left" in body
    served_page = client.get(reverse("portal:case_detail", args=[served.pk])).content.decode()
    assert "File a statement or objection" in served_page
    assert "pre-decision notice" in served_page


def test_case_detail_never_shows_internal_notes(mine):
    user, _entity, served, _decided = mine
    served.internal_notes = "SECRET WORKING NOTE"
    served.save()
    body = login(user).get(reverse("portal:case_detail", args=[served.pk])).content.decode()
    assert "SECRET WORKING NOTE" not in body


@pytest.mark.parametrize(("language", "field"), [("en", "body_en"), ("zh-hans", "body_zh")])
def test_notice_download_in_the_users_language(mine, language, field):
    user, _entity, served, _decided = mine
    notice = Notice.objects.filter(case=served).first()
    client = login(user)
    client.cookies["django_language"] = language
    response = client.get(reverse("portal:notice_download", args=[notice.pk]), headers={"Accept-Language": language})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "attachment" in response["Content-Disposition"]
    assert getattr(notice, field).strip()[:40] in response.content.decode()


def test_my_data_page_and_access_log_page(mine):
    user, entity, _served, _decided = mine
    client = login(user)
    assert client.get(reverse("portal:my_data", args=[entity.pk])).status_code == 200
    assert client.get(reverse("portal:access_log", args=[entity.pk])).status_code == 200


def test_anonymous_goes_to_portal_login(firm):
    response = login(UserFactory(role=roles.ENTITY_REPRESENTATIVE)).get(reverse("portal:records"))
    assert response.status_code == 200  # no entity: an empty page, not an error
    from django.test import Client

    response = Client().get(reverse("portal:records"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_staff_are_sent_to_the_admin(caseworker):
    response = login(caseworker).get(reverse("portal:records"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_login_and_logout(rep_acme):
    from django.test import Client

    client = Client(headers={"Accept-Language": "en"})
    assert client.get(reverse("portal:login")).status_code == 200
    response = client.post(reverse("portal:login"), {"username": "rep_acme", "password": "pw"})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:records")
    assert client.get(reverse("portal:records")).status_code == 200
    assert client.post(reverse("portal:logout")).status_code == 302
    assert client.get(reverse("portal:records")).status_code == 302


def test_staff_cannot_sign_in_to_the_portal_and_get_the_same_answer_as_a_wrong_password(caseworker):
    """A staff password that is right must not be told apart from a wrong one (issue 24)."""
    from django.test import Client

    def answer(password):
        client = Client(headers={"Accept-Language": "en"})
        response = client.post(reverse("portal:login"), {"username": caseworker.username, "password": password})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
        return response.context["form"].errors

    right, wrong = answer("pw"), answer("not-the-password")
    assert right == wrong
    assert "Please enter a correct username and password" in right["__all__"][0]


def test_records_come_a_page_at_a_time(clock, firm, rep_acme, serve, monkeypatch):
    """A firm with a long history sees its cases newest first, a page at a time (issue 11)."""
    from portal import views

    monkeypatch.setattr(views, "RECORDS_PER_PAGE", 2)
    cases = [serve(firm) for _n in range(3)]
    client = login(rep_acme)
    first = client.get(reverse("portal:records")).content.decode()
    second = client.get(reverse("portal:records"), {"page": 2}).content.decode()
    newest, middle, oldest = sorted(cases, key=lambda case: (case.notice_served_at, case.pk), reverse=True)
    assert newest.number in first and middle.number in first and oldest.number not in first
    assert oldest.number in second and newest.number not in second
    nav = first[first.find('<nav class="paginator"') :]
    nav = " ".join(nav[: nav.find("</nav>")].split())
    assert "Page 1 of 2 (3 cases):" in nav and 'href="?page=2"' in nav, nav
    # A page that does not exist shows the nearest one rather than an error.
    assert oldest.number in client.get(reverse("portal:records"), {"page": 99}).content.decode()
    assert newest.number in client.get(reverse("portal:records"), {"page": "x"}).content.decode()
