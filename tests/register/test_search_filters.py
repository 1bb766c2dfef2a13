"""The search form's filter lists (departments, conduct, measures) are cached per language until a row changes."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from cases.models import CatalogueItem, MeasureType
from register.selectors import search_filter_choices
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db
SEARCH = reverse("register:search")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``committed(write)``: run the write, then what runs when its transaction commits (the test's never does)."""

    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


def _page(client, language="en", **params):
    return client.get(SEARCH, params, headers={"Accept-Language": language}).content.decode()


def test_the_lists_are_read_once_then_served_from_the_cache(client, tax, django_assert_num_queries):
    with django_assert_num_queries(3):  # departments, conduct categories, measures
        search_filter_choices()
    with django_assert_num_queries(0):
        choices = search_filter_choices()
    assert (tax.pk, "Tax bureau") in choices["department"]
    assert [pk for pk, _label in choices["conduct"]] == list(
        CatalogueItem.objects.exclude(publishable=CatalogueItem.Publishable.NO).values_list("pk", flat=True)
    )
    assert len(choices["measure"]) == MeasureType.objects.count()


def test_the_search_page_without_a_query_reads_nothing_once_cached(client, django_assert_num_queries):
    _page(client)
    with django_assert_num_queries(2):  # the request's savepoint and its release (ATOMIC_REQUESTS), nothing read
        assert 'name="department"' in _page(client)


def test_each_language_has_its_own_labels(client):
    measure = MeasureType.objects.order_by("pk").first()
    assert measure.name_en in _page(client, "en") and measure.name_zh not in _page(client, "en")
    assert measure.name_zh in _page(client, "zh-hans")
    assert measure.name_en in _page(client, "en")  # the Chinese list did not replace the English one


def test_a_renamed_or_added_row_shows_once_committed(client, tax, committed):
    assert "Tax bureau" in _page(client)
    tax.name = "Taxation bureau"
    committed(tax.save)
    assert "Taxation bureau" in _page(client)
    committed(lambda: DepartmentFactory(code="ENV", name="Environment bureau"))
    assert "Environment bureau" in _page(client)
    measure = MeasureType.objects.order_by("pk").first()
    measure.name_en = "A renamed measure"
    committed(measure.save)
    assert "A renamed measure" in _page(client)


def test_a_conduct_category_made_unpublishable_leaves_the_list(client, committed):
    item = CatalogueItem.objects.exclude(publishable=CatalogueItem.Publishable.NO).order_by("pk").first()
    assert f'<option value="{item.pk}">{item.name_en}</option>' in _page(client)
    item.publishable = CatalogueItem.Publishable.NO
    committed(item.save)
    assert f'<option value="{item.pk}">{item.name_en}</option>' not in _page(client)


def test_a_deleted_row_leaves_the_list(client, committed):
    department = committed(lambda: DepartmentFactory(code="ENV", name="Environment bureau"))
    assert "Environment bureau" in _page(client)
    committed(department.delete)
    assert "Environment bureau" not in _page(client)


def test_the_change_is_forgotten_only_after_the_commit(client, tax, django_capture_on_commit_callbacks):
    search_filter_choices()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tax.name = "Taxation bureau"
        tax.save()
    assert (tax.pk, "Tax bureau") in search_filter_choices()["department"]  # not committed yet: still cached
    for callback in callbacks:
        callback()
    assert (tax.pk, "Taxation bureau") in search_filter_choices()["department"]


def test_migrate_forgets_the_lists(tax):
    search_filter_choices()
    Department = type(tax)
    Department.objects.filter(pk=tax.pk).update(name="Renamed in bulk")  # no signal, as in a data migration
    assert (tax.pk, "Tax bureau") in search_filter_choices()["department"]
    call_command("migrate", verbosity=0)
    assert (tax.pk, "Renamed in bulk") in search_filter_choices()["department"]


def test_a_choice_not_in_the_list_is_refused_at_its_field(client, tax):
    for value in ("999999", "abc"):
        page = _page(client, q="ACME", department=value)
        assert "Select a valid choice." in page
        assert "/register/r/" not in page


@pytest.mark.parametrize(
    "data",
    [None, {"q": "ACME"}, {"q": "ACME", "department": "{tax}"}, {"q": "A", "department": "999999", "measure": "x"}],
)
def test_the_filter_lists_render_exactly_as_djangos_select(tax, data):
    """``FilterSelect`` writes the select itself (the templates were most of the page's time): the same characters
    as Django's ``Select`` — selection, errors' attributes, escaping of the labels."""
    from django import forms

    from register.forms import FilterSelect, RegisterSearchForm

    DepartmentFactory(code="RND", name='R&D <"bureau">')
    if data and "department" in data:
        data = {**data, "department": data["department"].format(tax=tax.pk)}
    form = RegisterSearchForm(data)
    if data:
        form.is_valid()
    for name in ("department", "conduct", "measure"):
        field = form[name]
        assert isinstance(field.field.widget, FilterSelect)
        ours = str(field)
        field.field.widget.__class__ = forms.Select
        assert ours == str(field), name
    assert "R&amp;D &lt;&quot;bureau&quot;&gt;" in str(form["department"])
    if data and data.get("department") == str(tax.pk):
        assert f'<option value="{tax.pk}" selected>' in str(form["department"])
