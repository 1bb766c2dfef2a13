"""The catalogue in the admin: administrators edit it with history, other staff read it, a missing notice warns."""

import datetime

import pytest
from django.contrib.messages import WARNING
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from cases.models import CalendarDay, CatalogueItem, LegalSource
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MODELS = ["legalsource", "catalogueitem", "measuretype", "ruleperiod", "calendarday"]
# role → (changelist, add) status on every catalogue model; a new role is one new row.
EXPECTED = {
    roles.ADMINISTRATOR: (200, 200),
    roles.CASEWORKER: (200, 403),
    roles.SUPERVISOR: (200, 403),
    roles.APPEALS_REVIEWER: (200, 403),
    roles.AUDITOR: (200, 403),
    roles.ENTITY_REPRESENTATIVE: (302, 302),
}


@pytest.fixture
def today(monkeypatch):
    """The admin's clock, fixed on the day the data was frozen (2027's notice not yet published)."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: datetime.date(2026, 11, 27))


def _login(client, role):
    user = UserFactory(role=role)
    client.force_login(user)
    return user


def _item_form(item=None, **changes):
    data = {
        "code": "test_item",
        "name_zh": "测试",
        "name_en": "Test item",
        "category_zh": "",
        "category_en": "",
        "legal_basis_zh": "《测试法》第一条",
        "legal_basis_en": "Test Law art. 1",
        "recording_authority_zh": "",
        "recording_authority_en": "",
        "applicable_kinds": '["legal_person", "other_organisation"]',
        "default_severity": "general",
        "publishable": "per_case",
        "retention_years": "",
        "sources": [LegalSource.objects.get(code="gov_2020_49").pk],
        "confidence": "inferred",
        "notes": "",
        "is_active": "on",
    }
    if item is not None:
        data.update(
            code=item.code,
            name_zh=item.name_zh,
            name_en=item.name_en,
            category_zh=item.category_zh,
            category_en=item.category_en,
            legal_basis_zh=item.legal_basis_zh,
            legal_basis_en=item.legal_basis_en,
            recording_authority_zh=item.recording_authority_zh,
            recording_authority_en=item.recording_authority_en,
            applicable_kinds=str(item.applicable_kinds).replace("'", '"'),
            default_severity=item.default_severity,
            publishable=item.publishable,
            retention_years=item.retention_years or "",
            sources=list(item.sources.values_list("pk", flat=True)),
            confidence=item.confidence,
            notes=item.notes,
        )
        if item.court_only:
            data["court_only"] = "on"
    data.update(changes)
    return data


@pytest.mark.parametrize("role", list(EXPECTED))
def test_permission_matrix(client, role):
    _login(client, role)
    for model in MODELS:
        got = (
            client.get(reverse(f"admin:cases_{model}_changelist")).status_code,
            client.get(reverse(f"admin:cases_{model}_add")).status_code,
        )
        assert got == EXPECTED[role], model


def test_administrator_adds_and_changes_an_item_and_history_names_them(client):
    administrator = _login(client, roles.ADMINISTRATOR)
    response = client.post(reverse("admin:cases_catalogueitem_add"), _item_form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    item = CatalogueItem.objects.get(code="test_item")
    assert item.applicable_kinds == ["legal_person", "other_organisation"]
    assert list(item.sources.values_list("code", flat=True)) == ["gov_2020_49"]

    seeded = CatalogueItem.objects.get(code="false_advertising")
    url = reverse("admin:cases_catalogueitem_change", args=[seeded.pk])
    response = client.post(url, _item_form(seeded, name_en="False or misleading advertising"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    seeded.refresh_from_db()
    assert seeded.name_en == "False or misleading advertising"
    last = seeded.history.latest()
    assert (last.history_type, last.history_user, last.name_en) == ("~", administrator, seeded.name_en)
    assert {h.history_user for h in item.history.all()} == {administrator}


def test_administrator_cannot_delete_catalogue_rows(client):
    _login(client, roles.ADMINISTRATOR)
    item = CatalogueItem.objects.get(code="contract_fraud")
    assert client.get(reverse("admin:cases_catalogueitem_delete", args=[item.pk])).status_code == 403
    response = client.get(reverse("admin:cases_catalogueitem_changelist"))
    assert "delete_selected" not in response.context["cl"].model_admin.get_actions(response.wsgi_request)


def test_caseworker_reads_but_cannot_add_or_change(client):
    _login(client, roles.CASEWORKER)
    assert client.post(reverse("admin:cases_catalogueitem_add"), _item_form()).status_code == 403
    assert not CatalogueItem.objects.filter(code="test_item").exists()

    item = CatalogueItem.objects.get(code="false_advertising")
    url = reverse("admin:cases_catalogueitem_change", args=[item.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert 'name="_save"' not in page.content.decode()

    history_before = item.history.count()
    response = client.post(url, _item_form(item, name_en="Changed by a caseworker"))
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.name_en == "False advertising"
    assert item.history.count() == history_before


def test_changelists_search_by_code_and_name(client):
    _login(client, roles.CASEWORKER)
    response = client.get(reverse("admin:cases_catalogueitem_changelist"), {"q": "虚假广告"})
    assert [i.code for i in response.context["cl"].result_list] == ["false_advertising"]
    response = client.get(reverse("admin:cases_measuretype_changelist"), {"q": "exit_"})
    assert {m.code for m in response.context["cl"].result_list} == {"exit_ban_tax_arrears", "exit_restriction_court"}
    response = client.get(reverse("admin:cases_ruleperiod_changelist"), {"q": "portal."})
    assert len(response.context["cl"].result_list) == 7


def _warnings(response):
    return [str(m) for m in response.context["messages"] if m.level == WARNING]


EXPECTED_WARNING = (
    "The official holiday notice for 2027 is not loaded: working-day deadlines in those years count weekends only. "
    "Add the notice's holidays and make-up working days."
)


@pytest.mark.parametrize("model", ["calendarday", "ruleperiod"])
def test_changelist_warns_when_next_years_notice_is_missing(client, today, model):
    _login(client, roles.ADMINISTRATOR)
    response = client.get(reverse(f"admin:cases_{model}_changelist"))
    assert response.status_code == 200
    assert _warnings(response) == [EXPECTED_WARNING]

    CalendarDay.objects.create(date=datetime.date(2027, 1, 1), kind="holiday", name_zh="元旦",
                               name_en="New Year's Day", notice="test notice", source="test")  # fmt: skip
    assert _warnings(client.get(reverse(f"admin:cases_{model}_changelist"))) == []


def test_other_catalogue_changelists_do_not_warn(client, today):
    _login(client, roles.ADMINISTRATOR)
    assert _warnings(client.get(reverse("admin:cases_catalogueitem_changelist"))) == []


def test_changelist_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    _login(client, roles.ADMINISTRATOR)
    for model in MODELS:
        # 12 for the page, +3 for saving the sliding session (SESSION_SAVE_EVERY_REQUEST) in a savepoint.
        with django_assert_max_num_queries(15):
            assert client.get(reverse(f"admin:cases_{model}_changelist")).status_code == 200
