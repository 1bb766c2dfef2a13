"""Malformed values in staff forms come back as form errors, never as a server error (issue 24).

One test per weakness found by the fuzz of the admin forms; ``tests/permissions/test_admin_fuzz.py`` walks
every form for every role.
"""

import pytest
from django.urls import reverse

from accounts import roles
from cases.models import CatalogueItem, LegalSource
from tests.cases.test_catalogue_admin import _item_form
from tests.factories import EntityFactory, UserFactory

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


def _login(client, role):
    user = UserFactory(role=role)
    client.force_login(user)
    return user


def _errors(response):
    return response.context["adminform"].form.errors


@pytest.mark.parametrize("value", ["abc", HUGE, "-1.5"])
def test_autocomplete_field_with_a_malformed_id_shows_the_form_again(client, value):
    _login(client, roles.CASEWORKER)
    person = EntityFactory(person=True, name="Li Si")
    response = client.post(
        reverse("admin:entities_entityrelation_add"),
        {"organisation": value, "person": person.pk, "role": "legal_representative", "valid_from": "2026-01-05"},
    )
    assert response.status_code == 200
    assert "organisation" in _errors(response)
    # The posted person is still shown, selected: nothing the user chose is lost.
    assert f'<option value="{person.pk}" selected>' in response.content.decode()


def test_many_to_many_id_beyond_the_column_is_a_form_error(client):
    _login(client, roles.ADMINISTRATOR)
    item = CatalogueItem.objects.get(code="false_advertising")
    url = reverse("admin:cases_catalogueitem_change", args=[item.pk])
    response = client.post(url, _item_form(item, sources=[HUGE]))
    assert response.status_code == 200
    assert "sources" in _errors(response)


@pytest.mark.parametrize("value", ["32768", HUGE])
def test_integer_beyond_the_column_is_a_form_error_on_every_database(client, value):
    """SQLite would store 32768 in a small-integer column that PostgreSQL refuses: both refuse it in the form."""
    _login(client, roles.ADMINISTRATOR)
    item = CatalogueItem.objects.get(code="false_advertising")
    url = reverse("admin:cases_catalogueitem_change", args=[item.pk])
    response = client.post(url, _item_form(item, retention_years=value))
    assert response.status_code == 200
    assert _errors(response)["retention_years"] == ["Ensure this value is less than or equal to 32767."]
    item.refresh_from_db()
    assert item.retention_years != int(value)


def test_blank_legal_source_addresses_are_saved_as_an_empty_list(client):
    _login(client, roles.ADMINISTRATOR)
    source = LegalSource.objects.get(code="gov_2020_49")
    url = reverse("admin:cases_legalsource_change", args=[source.pk])
    response = client.post(
        url,
        {"code": source.code, "title_zh": source.title_zh, "title_en": "Guidelines", "issued_on": "",
         "kind": source.kind, "urls": "", "note": ""},
    )  # fmt: skip
    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.title_en, source.urls) == ("Guidelines", [])
