"""The entity registry in the admin: who sees which page, registration errors at the field, search, reveal."""

import pytest
from django.urls import reverse

from accounts import roles
from audit.models import AccessLog
from entities.models import Entity
from tests.factories import EntityFactory, UserFactory, make_id_number, make_uscc

pytestmark = pytest.mark.django_db

STAFF_ROLES = [roles.CASEWORKER, roles.SUPERVISOR, roles.APPEALS_REVIEWER, roles.AUDITOR, roles.ADMINISTRATOR]


@pytest.fixture
def person():
    return EntityFactory(person=True, name="Wang Wei")


@pytest.fixture
def firm():
    return EntityFactory(name="ACME Trading")


def _client(client, user):
    client.force_login(user)
    return client


# role → expected status for each page; a new admin page is one new row.
PAGES = {
    "changelist": lambda p, f: reverse("admin:entities_entity_changelist"),
    "add": lambda p, f: reverse("admin:entities_entity_add"),
    "change": lambda p, f: reverse("admin:entities_entity_change", args=[f.pk]),
    "history": lambda p, f: reverse("admin:entities_entity_history", args=[p.pk]),
    "reveal": lambda p, f: reverse("admin:entities_entity_reveal", args=[p.pk]),
    "relations": lambda p, f: reverse("admin:entities_entityrelation_changelist"),
    "representatives": lambda p, f: reverse("admin:entities_representative_changelist"),
    "add_representative": lambda p, f: reverse("admin:entities_representative_add"),
    "users": lambda p, f: reverse("admin:accounts_user_changelist"),
    "departments": lambda p, f: reverse("admin:accounts_department_changelist"),
    "add_department": lambda p, f: reverse("admin:accounts_department_add"),
    "access_log": lambda p, f: reverse("admin:audit_accesslog_changelist"),
    "roles": lambda p, f: reverse("admin:auth_group_changelist"),
}
EXPECTED = {
    #                   changelist add change history reveal relations reps add_rep users depts add_dept log roles
    roles.CASEWORKER: [200, 200, 200, 200, 403, 200, 200, 403, 403, 200, 403, 403, 403],
    roles.SUPERVISOR: [200, 200, 200, 200, 200, 200, 200, 200, 403, 200, 403, 403, 403],
    roles.APPEALS_REVIEWER: [200, 403, 200, 200, 200, 200, 200, 403, 403, 200, 403, 403, 403],
    roles.AUDITOR: [200, 403, 200, 200, 200, 200, 200, 403, 200, 200, 403, 200, 403],
    roles.ADMINISTRATOR: [200, 403, 200, 200, 403, 403, 403, 403, 200, 200, 200, 403, 200],
    roles.ENTITY_REPRESENTATIVE: [302] * 13,  # not staff: sent to the login page
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_permission_matrix(client, person, firm, role):
    client = _client(client, UserFactory(role=role))
    got = [client.get(url(person, firm)).status_code for url in PAGES.values()]
    assert dict(zip(PAGES, got, strict=True)) == dict(zip(PAGES, EXPECTED[role], strict=True))


def test_anonymous_is_sent_to_login(client, person, firm):
    for url in PAGES.values():
        response = client.get(url(person, firm))
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("page", ["change", "history", "reveal"])
def test_unknown_or_garbage_ids_answer_404_not_a_redirect(client, page):
    client = _client(client, UserFactory(role=roles.SUPERVISOR))
    name = {"change": "admin:entities_entity_change", "history": "admin:entities_entity_history"}.get(page)
    urls = [reverse(name, args=[999999]), reverse(name, args=["not-a-number"])] if name else []
    urls.append(reverse("admin:entities_entity_reveal", args=[999999]))
    for url in urls:
        assert client.get(url).status_code == 404


def test_reveal_of_an_organisation_is_404(client, firm):
    client = _client(client, UserFactory(role=roles.SUPERVISOR))
    assert client.get(reverse("admin:entities_entity_reveal", args=[firm.pk])).status_code == 404


def test_masked_identifier_everywhere_in_the_admin(client, person):
    client = _client(client, UserFactory(role=roles.SUPERVISOR))
    for url in [
        reverse("admin:entities_entity_changelist"),
        reverse("admin:entities_entity_change", args=[person.pk]),
        reverse("admin:entities_entity_history", args=[person.pk]),
    ]:
        body = client.get(url).content.decode()
        assert person.id_number not in body
        assert person.id_number_masked in body or url.endswith("/history/")


def test_caseworker_registers_a_person(client):
    caseworker = UserFactory(role=roles.CASEWORKER)
    client = _client(client, caseworker)
    number = make_id_number()
    response = client.post(
        reverse("admin:entities_entity_add"),
        {"kind": Entity.Kind.NATURAL_PERSON, "name": "Zhao Liu", "identifier": number, "region_code": ""},
    )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    person = Entity.objects.get()
    assert person.id_number == number
    assert person.region_code == number[:6]
    assert person.history.get().history_user == caseworker


@pytest.mark.parametrize(
    ("kind", "identifier", "message"),
    [
        (Entity.Kind.NATURAL_PERSON, "110105194912310021", "does not match the others"),
        (Entity.Kind.NATURAL_PERSON, "110105194902300028", "not a possible date of birth"),
        (Entity.Kind.NATURAL_PERSON, "91110105MA01ACME0B", "not a unified social credit code"),
        (Entity.Kind.LEGAL_PERSON, "11010519491231002X", "not a resident identity number"),
        (Entity.Kind.LEGAL_PERSON, "91110105MA01ACME0C", "check character"),
    ],
)
def test_bad_identifier_is_shown_at_the_field(client, kind, identifier, message):
    client = _client(client, UserFactory(role=roles.CASEWORKER))
    response = client.post(
        reverse("admin:entities_entity_add"), {"kind": kind, "name": "X", "identifier": identifier, "region_code": ""}
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["identifier"]
    assert message in errors["identifier"][0]
    assert Entity.objects.count() == 0


def test_duplicate_registration_links_to_the_existing_entity(client, firm):
    client = _client(client, UserFactory(role=roles.CASEWORKER))
    response = client.post(
        reverse("admin:entities_entity_add"),
        {"kind": Entity.Kind.LEGAL_PERSON, "name": "Copy", "identifier": firm.uscc, "region_code": ""},
    )
    assert response.status_code == 200
    assert reverse("admin:entities_entity_change", args=[firm.pk]) in response.content.decode()
    assert Entity.objects.count() == 1


def test_change_keeps_identifier_when_left_blank(client, person):
    client = _client(client, UserFactory(role=roles.CASEWORKER))
    response = client.post(
        reverse("admin:entities_entity_change", args=[person.pk]),
        {"name": "Wang Wei (corrected)", "identifier": "", "region_code": "110101"},
    )
    assert response.status_code == 302
    number = person.id_number
    person.refresh_from_db()
    assert (person.name, person.region_code, person.id_number, person.kind) == (
        "Wang Wei (corrected)",
        "110101",
        number,
        Entity.Kind.NATURAL_PERSON,
    )


def test_search_by_exact_identifier_and_by_name(client, person, firm):
    """The search box posts; the term never appears in a URL, only an opaque token does."""
    client = _client(client, UserFactory(role=roles.CASEWORKER))
    search = reverse("admin:entities_entity_search")

    def found(query):
        redirect = client.post(search, {"q": query})
        assert redirect.status_code == 302
        assert query not in redirect.url and query.lower() not in redirect.url
        response = client.get(redirect.url)
        assert response.context["cl"].query == query
        return list(response.context["cl"].result_list)

    assert found(person.id_number) == [person]
    assert found(person.id_number.lower()) == [person]
    assert found(firm.uscc) == [firm]
    assert found(make_uscc()) == []
    assert found("ACME") == [firm]


def test_search_keeps_filters_and_an_unknown_token_shows_everything(client, person, firm):
    client = _client(client, UserFactory(role=roles.CASEWORKER))
    redirect = client.post(reverse("admin:entities_entity_search"), {"q": "Wang", "kind__exact": "natural_person"})
    assert "kind__exact=natural_person" in redirect.url
    assert list(client.get(redirect.url).context["cl"].result_list) == [person]
    url = reverse("admin:entities_entity_changelist")
    assert set(client.get(url, {"s": "no-such-token"}).context["cl"].result_list) == {person, firm}


def test_an_identity_number_in_the_query_string_is_moved_out_of_the_url(client, person):
    client = _client(client, UserFactory(role=roles.CASEWORKER))
    response = client.get(reverse("admin:entities_entity_changelist"), {"q": person.id_number})
    assert response.status_code == 302
    assert person.id_number not in response.url
    assert list(client.get(response.url).context["cl"].result_list) == [person]


def test_search_page_refuses_get_and_users_without_view_permission(client):
    search = reverse("admin:entities_entity_search")
    assert _client(client, UserFactory(role=roles.CASEWORKER)).get(search).status_code == 405
    representative = UserFactory(role=roles.ENTITY_REPRESENTATIVE)
    assert _client(client, representative).post(search, {"q": "x"}).status_code == 302  # not staff: to login


def test_autocomplete_never_looks_up_identity_numbers(client, person):
    """Autocomplete sends its term in the query string, so identity numbers are refused there."""
    client = _client(client, UserFactory(role=roles.SUPERVISOR))
    params = {"app_label": "entities", "model_name": "representative", "field_name": "entity"}
    by_number = client.get(reverse("admin:autocomplete"), {**params, "term": person.id_number})
    assert by_number.json()["results"] == []
    by_name = client.get(reverse("admin:autocomplete"), {**params, "term": "Wang"})
    assert [row["id"] for row in by_name.json()["results"]] == [str(person.pk)]


def test_list_filters_by_kind_and_province(client, person, firm):
    shanghai = EntityFactory(identifier=make_uscc("310115"))
    client = _client(client, UserFactory(role=roles.CASEWORKER))
    url = reverse("admin:entities_entity_changelist")
    assert list(client.get(url, {"kind__exact": "natural_person"}).context["cl"].result_list) == [person]
    assert list(client.get(url, {"province": "31"}).context["cl"].result_list) == [shanghai]


def test_reveal_flow_logs_then_shows(client, person):
    supervisor = UserFactory(role=roles.SUPERVISOR)
    client = _client(client, supervisor)
    url = reverse("admin:entities_entity_reveal", args=[person.pk])
    assert person.id_number not in client.get(url).content.decode()
    refused = client.post(url, {"purpose": ""})
    assert "This field is required." in refused.content.decode()
    assert AccessLog.objects.count() == 0
    shown = client.post(url, {"purpose": "checking identity for an objection"})
    assert person.id_number in shown.content.decode()
    assert shown["Cache-Control"].startswith("max-age=0") or "no-store" in shown["Cache-Control"]
    log = AccessLog.objects.get()
    assert (log.actor, log.target_id, log.purpose) == (supervisor, person.pk, "checking identity for an objection")
    assert log.request_id == shown["X-Request-ID"]


def test_change_page_offers_reveal_only_to_those_who_may(client, person):
    link = reverse("admin:entities_entity_reveal", args=[person.pk])
    change = reverse("admin:entities_entity_change", args=[person.pk])
    assert link in _client(client, UserFactory(role=roles.SUPERVISOR)).get(change).content.decode()
    assert link not in _client(client, UserFactory(role=roles.CASEWORKER)).get(change).content.decode()


def test_no_bulk_delete_action(client, firm):
    client = _client(client, UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:entities_entity_changelist"))
    assert "delete_selected" not in response.content.decode()
    assert client.get(reverse("admin:entities_entity_delete", args=[firm.pk])).status_code == 403


@pytest.mark.parametrize("rows", [5, 40])
def test_changelist_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries, rows):
    client = _client(client, UserFactory(role=roles.CASEWORKER))
    for _ in range(rows):
        EntityFactory()
    EntityFactory(person=True)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("admin:entities_entity_changelist")).status_code == 200
