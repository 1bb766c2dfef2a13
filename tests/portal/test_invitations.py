"""Invitations: staff invite from the entity's admin page; the link is one-time and expires."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts import roles
from entities.models import Representative
from portal.models import Invitation
from portal.services import representative_invite
from tests.factories import UserFactory

from .fixtures import login

pytestmark = pytest.mark.django_db

PASSWORD = "a-Long-and-unusual-passphrase-42"


@pytest.fixture
def invited(clock, firm, supervisor):
    representative, token = representative_invite(
        actor=supervisor, entity=firm, username="new_rep", email="new@example.invalid",
        relationship=Representative.Relationship.AUTHORISED_AGENT,
    )  # fmt: skip
    return representative, token


def _accept(client, token):
    url = reverse("portal:invitation", args=[token])
    return client.post(url, {"new_password1": PASSWORD, "new_password2": PASSWORD})


def test_staff_invite_page_creates_a_verified_non_staff_representative(firm, supervisor):
    client = login(supervisor)
    url = reverse("portal:invite", args=[firm.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"username": "agent", "email": "a@example.invalid", "relationship": "authorised_agent"})
    assert response.status_code == 200
    assert "/portal/invitation/" in response.content.decode()
    representative = Representative.objects.get(user__username="agent")
    assert representative.verified_by == supervisor and not representative.user.is_staff
    assert not representative.user.has_usable_password()
    invitation = Invitation.objects.get()
    assert len(invitation.token_hash) == 64 and invitation.token_hash not in response.content.decode()


def test_invite_refused_without_the_permission(firm, caseworker):
    response = login(caseworker).post(
        reverse("portal:invite", args=[firm.pk]), {"username": "x", "email": "x@example.invalid",
                                                    "relationship": "self"}
    )  # fmt: skip
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_the_entity_admin_page_links_to_the_invitation(firm, supervisor):
    body = login(supervisor).get(reverse("admin:entities_entity_change", args=[firm.pk])).content.decode()
    assert reverse("portal:invite", args=[firm.pk]) in body


def test_accepting_sets_the_password_signs_in_and_shows_the_records(invited):
    representative, token = invited
    client = Client(headers={"Accept-Language": "en"})
    assert client.get(reverse("portal:invitation", args=[token])).status_code == 200
    response = _accept(client, token)
    assert response.status_code == 302 and response["Location"] == reverse("portal:records")
    assert client.get(reverse("portal:records")).status_code == 200
    representative.user.refresh_from_db()
    assert representative.user.check_password(PASSWORD)


def test_a_used_link_is_refused(invited):
    _representative, token = invited
    _accept(Client(), token)
    response = _accept(Client(headers={"Accept-Language": "en"}), token)
    assert response.status_code == 410
    assert "already used" in response.content.decode()


def test_an_expired_link_is_refused_and_sets_nothing(invited, clock):
    representative, token = invited
    clock.advance(days=8)
    response = _accept(Client(headers={"Accept-Language": "en"}), token)
    assert response.status_code == 410
    assert "expired on" in response.content.decode()
    representative.user.refresh_from_db()
    assert not representative.user.has_usable_password()


def test_an_unknown_link_is_404():
    response = Client().get(reverse("portal:invitation", args=["no-such-token"]))
    assert response.status_code == 404


def test_representatives_cannot_open_the_invite_page(firm, rep_acme):
    assert login(rep_acme).get(reverse("portal:invite", args=[firm.pk])).status_code == 404


def test_taken_username_is_refused(firm, supervisor):
    UserFactory(username="taken", role=roles.ENTITY_REPRESENTATIVE)
    response = login(supervisor).post(
        reverse("portal:invite", args=[firm.pk]),
        {"username": "taken", "email": "t@example.invalid", "relationship": "self"},
    )
    assert "This user name is taken." in response.content.decode()
    assert not Invitation.objects.exists()


def test_expiry_is_seven_days(invited):
    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=7)


@pytest.mark.parametrize(
    "username",
    ["sup_t\u0430x", "\u0440aypal", "caf\u00e9", "\u0251dmin", "adm\u0131n", "\u0391BC", "a\u0301b", "\u0661\u0662"],
    ids=["cyrillic-a", "cyrillic-er", "accented", "ipa-alpha", "dotless-i", "greek-alpha", "combining", "arab-digits"],
)
def test_look_alike_usernames_are_refused_at_invitation(firm, supervisor, username):
    response = login(supervisor).post(
        reverse("portal:invite", args=[firm.pk]),
        {"username": username, "email": "t@example.invalid", "relationship": "self"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["username"][0].startswith("Use only letters a–z, digits 0–9")
    assert not Invitation.objects.exists()


# Typed → stored: plain, Chinese, and full-width letters (stored as ASCII).
ACCEPTED_NAMES = [("wang.wei-2", "wang.wei-2"), ("王伟", "王伟"), ("\uff57\uff41\uff4e\uff47", "wang")]


@pytest.mark.parametrize(("typed", "stored"), ACCEPTED_NAMES)
def test_plain_and_chinese_usernames_are_accepted(firm, supervisor, typed, stored):
    representative, _token = representative_invite(
        actor=supervisor, entity=firm, username=typed, email="w@example.invalid",
        relationship=Representative.Relationship.AUTHORISED_AGENT,
    )  # fmt: skip
    assert representative.user.username == stored


def test_a_full_width_spelling_of_a_taken_username_is_refused(firm, supervisor):
    UserFactory(username="taken", role=roles.ENTITY_REPRESENTATIVE)
    response = login(supervisor).post(
        reverse("portal:invite", args=[firm.pk]),
        {"username": "\uff34\uff21\uff2b\uff25\uff2e", "email": "t@example.invalid", "relationship": "self"},
    )
    assert "This user name is taken." in response.content.decode()


@pytest.mark.parametrize("signed_in", ["representative", "staff"])
def test_accepting_while_signed_in_as_someone_else_asks_first(invited, rep_acme, supervisor, signed_in):
    """Never a silent switch of accounts (issue 24): the page asks, and only the confirmation signs out."""
    representative, token = invited
    someone = {"representative": rep_acme, "staff": supervisor}[signed_in]
    client = login(someone)
    url = reverse("portal:invitation", args=[token])

    asked = client.get(url)
    assert asked.status_code == 200
    body = asked.content.decode()
    assert f"You are signed in as {someone.username}" in body and 'name="switch" value="confirm"' in body
    # A password posted without the confirmation is not used, and the session stays someone's.
    response = _accept(client, token)
    assert response.status_code == 200 and "You are signed in as" in response.content.decode()
    assert int(client.session["_auth_user_id"]) == someone.pk
    representative.user.refresh_from_db()
    assert not representative.user.has_usable_password()
    assert not Invitation.objects.filter(used_at__isnull=False).exists()

    confirmed = client.post(url, {"switch": "confirm"})
    assert confirmed.status_code == 302 and confirmed["Location"] == url
    assert "_auth_user_id" not in client.session
    assert _accept(client, token).status_code == 302
    assert int(client.session["_auth_user_id"]) == representative.user.pk


def test_the_question_is_asked_in_chinese_too(invited, rep_acme):
    _representative, token = invited
    client = login(rep_acme)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    body = client.get(reverse("portal:invitation", args=[token]), headers={"Accept-Language": "zh-hans"}).content
    assert "rep_acme" in body.decode() and "You are signed in as" not in body.decode()


def test_the_question_page_reads_little(invited, rep_acme, django_assert_max_num_queries):
    _representative, token = invited
    client = login(rep_acme)
    url = reverse("portal:invitation", args=[token])
    with django_assert_max_num_queries(8):  # session (read, slid), user, the invitation with its people
        assert client.get(url).status_code == 200
