"""No identity number in a log line (issue 9), whoever logs it.

Logs are captured from the configured root handler itself (its stream swapped for a buffer), so the test
sees exactly what production writes, with or without pytest's logging plugin.
"""

import io
import logging

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from entities.logging import MaskIdentityNumbersFilter, mask_identity_numbers
from tests.factories import make_id_number

NUMBER = "110105198503121234"  # shape only; the check digit does not matter to the filter
FULL_WIDTH = {ord(digit): 0xFF10 + int(digit) for digit in "0123456789"}


@pytest.fixture
def log_output():
    handlers = [
        h for h in logging.getLogger().handlers if any(isinstance(f, MaskIdentityNumbersFilter) for f in h.filters)
    ]
    assert handlers, "the root logger's handler must carry the masking filter (settings.LOGGING)"
    buffer = io.StringIO()
    previous = [handler.setStream(buffer) for handler in handlers]
    yield buffer
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"id {NUMBER}.", "id 1101**********1234."),
        ("11010519850312123X", "1101**********123X"),
        ("11010519850312123x", "1101**********123X"),
        (f"/admin/entities/entity/?q={NUMBER}&p=2", "/admin/entities/entity/?q=1101**********1234&p=2"),
        (f"ID{NUMBER}", "ID1101**********1234"),
        (NUMBER.translate(FULL_WIDTH), "1101**********1234"),  # full-width digits, as IMEs type them
        ("order 1234567890123456789 (19 digits)", "order 1234567890123456789 (19 digits)"),
        ("91110105MA01ACME0B", "91110105MA01ACME0B"),  # a credit code is public registration data
        ("", ""),
    ],
)
def test_mask_identity_numbers(text, expected):
    assert mask_identity_numbers(text) == expected


def test_every_logger_is_masked_including_arguments_and_tracebacks(log_output):
    logger = logging.getLogger("cases.anything")
    number = make_id_number()
    logger.warning("Lookup of %s failed", number)
    logging.getLogger("django.request").error("Bad request: %s", {"q": number})
    try:
        raise ValueError(f"no entity {number}")
    except ValueError:
        logger.exception("while handling")
    output = log_output.getvalue()
    assert number not in output
    assert output.count(number[:4] + "*" * 10 + number[-4:]) == 3  # message, argument, exception text
    assert "ValueError" in output


def test_the_filter_is_on_the_root_handler():
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["mask_identity_numbers"]
    assert settings.LOGGING["loggers"]["django"]["handlers"] == []  # Django's loggers reach the root handler


@pytest.mark.django_db
def test_request_logs_show_no_identity_number(log_output):
    """A 404 whose URL carries a number, and a sign-in with a number typed as username (axes logs it)."""
    number = make_id_number()
    browser = Client(headers={"Accept-Language": "en"})
    assert browser.get(f"/no-such-page/{number}/").status_code == 404
    browser.post(reverse("admin:login"), {"username": number, "password": "wrong"})
    output = log_output.getvalue()
    assert "Not Found" in output and "AXES: New login failure" in output
    assert number not in output
    assert number[:4] + "*" * 10 + number[-4:] in output
