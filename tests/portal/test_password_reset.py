"""Password-reset mail is rate-limited per address and per source, with one answer for all (issue 24)."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _ask(email, source="203.0.113.5"):
    client = Client(headers={"Accept-Language": "en"}, REMOTE_ADDR=source)
    response = client.post(reverse("portal:password_reset"), {"email": email})
    assert response.status_code == 302
    return response["Location"]


@pytest.fixture
def person(db):
    return UserFactory(username="rep_reset", email="rep@example.invalid")


def test_mails_to_one_address_stop_at_the_limit_and_the_answer_does_not_change(person, settings):
    settings.PASSWORD_RESET_MAX_PER_ADDRESS = 3
    answers = {_ask("rep@example.invalid", source=f"203.0.113.{n}") for n in range(5)}
    assert answers == {reverse("portal:password_reset_done")}
    assert len(mail.outbox) == 3
    # The address is counted however it is written.
    _ask("REP@example.invalid")
    assert len(mail.outbox) == 3


def test_one_source_is_limited_across_addresses(person, settings):
    settings.PASSWORD_RESET_MAX_PER_SOURCE = 2
    for n in range(3):
        _ask(f"nobody{n}@example.invalid")
    assert _ask("rep@example.invalid") == reverse("portal:password_reset_done")
    assert mail.outbox == []
    _ask("rep@example.invalid", source="198.51.100.7")  # another source is not held back
    assert len(mail.outbox) == 1


def test_unknown_addresses_get_the_same_answer_and_no_mail(person):
    assert _ask("unknown@example.invalid") == _ask("rep@example.invalid", source="198.51.100.9")
    assert [message.to for message in mail.outbox] == [["rep@example.invalid"]]


def test_the_limits_are_set_deliberately(settings):
    from django.conf import settings as configured

    assert (configured.PASSWORD_RESET_MAX_PER_ADDRESS, configured.PASSWORD_RESET_MAX_PER_SOURCE) == (3, 10)
    assert configured.PASSWORD_RESET_WINDOW_SECONDS == 3600
