"""No screen, filter, count, action or trick leaks what the list hides (issue: object permissions, item 3–5)."""

import random

import pytest
from django.contrib.admin import site
from django.test import RequestFactory
from django.urls import reverse

from cases.models import Case, Sanction
from creditportal.admin_base import ScopedRelatedFieldListFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def tax_case(make_draft):
    return make_draft()


def test_a_foreign_id_in_selected_action_changes_nothing(client, tax_case, other_caseworker):
    client.force_login(other_caseworker)
    before = list(Case.history.values_list("history_id", flat=True))
    response = client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "delete_selected", "_selected_action": [tax_case.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Case.objects.filter(pk=tax_case.pk).exists()
    assert list(Case.history.values_list("history_id", flat=True)) == before


def test_to_field_cannot_expose_other_columns(client, tax_case, caseworker):
    client.force_login(caseworker)
    url = reverse("admin:cases_case_changelist")
    assert client.get(url, {"_to_field": "internal_notes", "_popup": "1"}).status_code == 400
    assert client.get(url, {"_to_field": "facts"}).status_code == 400


def test_popup_and_preserved_filters_do_not_widen_the_list(client, tax_case, other_caseworker):
    client.force_login(other_caseworker)
    url = reverse("admin:cases_case_changelist")
    for params in ({"_popup": "1"}, {"_changelist_filters": "department__id__exact=1"}, {"q": tax_case.number}):
        response = client.get(url, params)
        if response.status_code == 302:  # an unknown filter: Django starts over with ?e=1, still scoped
            response = client.get(response.url)
        assert list(response.context["cl"].result_list) == [], params


def test_no_counts_in_filters_or_results(client, tax_case, caseworker):
    client.force_login(caseworker)
    page = client.get(reverse("admin:cases_case_changelist"), {"_facets": "1"}).content.decode()
    assert "(1)" not in page  # no facet counts
    assert " total" not in page  # no exact count over the unfiltered table


def test_related_list_filter_offers_only_what_the_user_may_see(tax_case, other_caseworker, caseworker):
    field = Sanction._meta.get_field("case")

    def choices(user):
        request = RequestFactory().get("/")
        request.user = user
        model_admin = site.get_model_admin(Case)
        list_filter = ScopedRelatedFieldListFilter(field, request, {}, Sanction, model_admin, "case")
        return {label for _, label in list_filter.lookup_choices}

    assert tax_case.number in choices(caseworker)
    assert choices(other_caseworker) == set()


def test_posting_fields_a_role_may_not_set_changes_nothing(client, tax_case, caseworker, supervisor, market):
    """Mass assignment: state, department, decider, sanction dates are not form fields."""
    client.force_login(caseworker)
    url = reverse("admin:cases_case_change", args=[tax_case.pk])
    page = client.get(url)
    data = {f"{inline.formset.prefix}-{key}": value for inline in page.context["inline_admin_formsets"]
            for key, value in inline.formset.management_form.initial.items()}  # fmt: skip
    data.update(
        {
            "catalogue_item": tax_case.catalogue_item_id,
            "severity": "serious",
            "facts": tax_case.facts,
            "internal_notes": "",
            "state": "sanctioned",
            "department": market.pk,
            "decided_by": supervisor.pk,
            "approved_by": supervisor.pk,
            "number": "HACK-1",
            "version": 99,
        }
    )
    for inline in page.context["inline_admin_formsets"]:  # post every existing inline row back as shown
        for form in inline.formset.initial_forms:
            for name in form.fields:
                value = form[name].value()
                if value is not None:
                    data[form.add_prefix(name)] = value
    data.update({"sanctions-0-status": "active", "sanctions-0-starts_on": "2020-01-01"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context and [
        (i.formset.prefix, i.formset.errors, i.formset.non_form_errors())
        for i in response.context["inline_admin_formsets"]
    ]
    tax_case.refresh_from_db()
    assert (tax_case.state, tax_case.department_id, tax_case.decided_by, tax_case.approved_by) == (
        "draft",
        caseworker.department_id,
        None,
        None,
    )
    assert tax_case.number.startswith("TAX-") and tax_case.version == 1
    assert set(tax_case.sanctions.values_list("status", flat=True)) == {"proposed"}
    assert not tax_case.sanctions.filter(starts_on__isnull=False).exists()


def test_probing_foreign_and_sequential_ids_reads_and_changes_nothing(client, make_draft, other_caseworker):
    cases = [make_draft() for _ in range(3)]
    client.force_login(other_caseworker)
    before = (Case.history.count(), Sanction.history.count())
    ids = [c.pk for c in cases] + list(range(1, max(c.pk for c in cases) + 5))
    random.Random(7).shuffle(ids)
    for pk in ids:
        for name in ("change", "history", "delete"):
            response = client.get(reverse(f"admin:cases_case_{name}", args=[pk]))
            assert response.status_code == 404, (name, pk)
            assert all(c.number not in response.content.decode() for c in cases)
        for name in ("submit", "approve", "withdraw"):
            assert client.post(reverse("admin:cases_case_transition", args=[pk, name]),
                               {"version": 1, "reasons": "x"}).status_code == 404  # fmt: skip
        assert client.post(reverse("admin:cases_case_change", args=[pk]), {"facts": "hijacked"}).status_code == 404
        assert client.get(reverse("admin:cases_case_access", args=[pk])).status_code == 404
        assert client.get(reverse("cases:evidence_download", args=[pk])).status_code == 404
    assert (Case.history.count(), Sanction.history.count()) == before
    assert not Case.objects.filter(facts="hijacked").exists()
