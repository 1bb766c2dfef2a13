"""Stored XSS (issue 9): hostile text in every free-text field is shown escaped on every admin page.

The demo data is loaded, then every text column of every model the admin shows (its inlines and history
tables too) is overwritten with a payload from ``PAYLOADS``. Every changelist, change page and history page
is then fetched as a superuser: no payload may come back as markup. Models and fields are found from the
admin registry, so a model added later is covered without touching this file.
"""

from io import StringIO

import pgtrigger
import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import IntegrityError, models, transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse

from audit.exports import csv_response

pytestmark = pytest.mark.django_db

PAYLOADS = [
    '<script>alert("xss")</script>',
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(2)</script>",
    "javascript:alert(1)//<iframe src=//evil>",
]
SHORT_PAYLOAD = "<b>x</b>"  # for fields too short for the others
# What must never appear in a page: the payloads' markup, unescaped.
RAW_MARKERS = ["<script>alert", "<img src=x", "<svg onload", "<iframe src=//evil", "<b>x</b>", 'href="javascript:']

# Internal tables of a library, never typed into by a person, with values the library parses.
SKIPPED_APPS = {"django_tasks_database"}
# Values our code parses or that hold secrets; nobody types free text into them.
SKIPPED_FIELDS = {"password", "key", "id_number_hash", "id_number_masked"}


def _free_text_fields(model):
    for field in model._meta.concrete_fields:
        if type(field) not in (models.CharField, models.TextField) or field.choices or field.name in SKIPPED_FIELDS:
            continue
        extra_validators = [
            v
            for v in field.validators
            if type(v).__name__ not in {"MaxLengthValidator", "ProhibitNullCharactersValidator"}
        ]
        if extra_validators or (field.max_length is not None and field.max_length < len(SHORT_PAYLOAD) + 6):
            continue  # a validated format (code, e-mail, region) never holds free text
        yield field


def _payload(field, row: int, pk) -> str:
    suffix = f" #{pk}" if field.unique else ""
    for candidate in [PAYLOADS[row % len(PAYLOADS)], *PAYLOADS, SHORT_PAYLOAD]:
        if field.max_length is None or len(candidate + suffix) <= field.max_length:
            return candidate + suffix
    raise AssertionError(field)


def _poison(model) -> int:
    """Overwrite the model's free-text fields on every row; a field the database's constraints refuse is skipped."""
    poisoned = set()
    for row, pk in enumerate(model._base_manager.values_list("pk", flat=True)):
        for field in _free_text_fields(model):
            try:
                with transaction.atomic():
                    model._base_manager.filter(pk=pk).update(**{field.name: _payload(field, row, pk)})
                poisoned.add(field.name)
            except IntegrityError:
                pass  # a CHECK constraint (e.g. the credit code's format): nobody can store text there
    return len(poisoned)


def _admin_models():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in SKIPPED_APPS:
            yield model, model_admin


def _all_models():
    seen = set()
    for model, model_admin in _admin_models():
        for candidate in [model, *(inline.model for inline in model_admin.inlines)]:
            for each in (candidate, getattr(getattr(candidate, "history", None), "model", None)):
                if each is not None and each not in seen:
                    seen.add(each)
                    yield each


@pytest.fixture
def poisoned(settings):
    settings.DEBUG = True  # seed_demo refuses otherwise
    call_command("seed_demo", stdout=StringIO())
    # A sign-in attempt with a hostile username (shown to administrators on the lockout page).
    Client(REMOTE_ADDR="10.9.9.9").post(reverse("admin:login"), {"username": PAYLOADS[0], "password": "x"})
    # History and access-log rows are append-only on PostgreSQL (audit.apps): poison them past the triggers.
    with pgtrigger.ignore():
        poisoned_fields = sum(_poison(model) for model in _all_models())
    assert poisoned_fields > 40
    settings.DEBUG = False


def _pages(model, model_admin):
    opts = model._meta
    yield reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    for pk in model._base_manager.order_by("pk").values_list("pk", flat=True)[:2]:
        yield reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])
        try:
            yield reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[pk])
        except NoReverseMatch:
            pass


def _assert_escaped(url, body):
    for marker in RAW_MARKERS:
        assert marker not in body, f"{url}: unescaped {marker!r}"


def test_payloads_in_every_text_field_are_escaped_in_the_admin(poisoned, superuser):
    browser = Client(headers={"Accept-Language": "en"}, raise_request_exception=True)
    browser.force_login(superuser)
    seen_escaped = 0
    for model, model_admin in _admin_models():
        for url in _pages(model, model_admin):
            response = browser.get(url)
            assert response.status_code == 200, url
            body = response.content.decode()
            _assert_escaped(url, body)
            seen_escaped += body.count("&lt;script&gt;alert")
    assert seen_escaped > 50  # the payloads were really rendered, escaped


def test_payloads_are_escaped_on_the_custom_admin_views(poisoned):
    from cases.models import Case
    from entities.models import Entity

    supervisor = Client(headers={"Accept-Language": "en"})
    from accounts.models import User

    supervisor.force_login(User.objects.get(username="sup_tax"))
    pages = [reverse("admin:cases_case_queue")]
    for case in Case.objects.filter(department__code="TAX").order_by("pk")[:4]:
        for action in ("submit", "approve", "return", "reject", "sanction", "dismiss"):
            pages.append(reverse("admin:cases_case_transition", args=[case.pk, action]))
    person = Entity.objects.filter(kind=Entity.Kind.NATURAL_PERSON).first()
    pages.append(reverse("admin:entities_entity_reveal", args=[person.pk]))
    rendered = 0
    for url in pages:
        response = supervisor.get(url)
        if response.status_code == 200:
            rendered += 1
            _assert_escaped(url, response.content.decode())
    assert rendered >= 3


def test_payloads_are_neutralised_in_exports():
    rows = [[payload, '=HYPERLINK("http://evil/","x")', "@SUM(A1)", 42] for payload in PAYLOADS]
    response = csv_response("export.csv", ["text", "formula", "at", "number"], rows)
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="export.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"
    text = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM" in text
    assert ",=" not in text and ",@" not in text
