"""No staff form answers a server error, whatever is posted to it (issue 24).

Every registered admin add and change form, for every staff role that may open it, gets a few posts of
malformed values, each built from the form as the page shows it (so the other fields stay valid and the
post reaches as deep as it can): non-numeric ids, integers beyond any column's range, blanks, overlong
strings, impossible dates and unicode junk. Each must answer a page (the form with its errors, or the
redirect after saving), never a 500. Runs on SQLite and on PostgreSQL (CI), where out-of-range values fail
differently.
"""

import pytest
from django import forms
from django.contrib.admin import site
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.conftest import ROLES
from tests.permissions.test_matrix import world  # noqa: F401 - the fixture with one object of every kind

JUNK = "x\u202e'\"<b>\u0430\U0001f600"
HUGE = "9" * 30
CLIENT_ERRORS = (PermissionDenied, Http404, SuspiciousOperation)


def _relation(field) -> bool:
    return isinstance(field, forms.ModelChoiceField)


def _numeric(field) -> bool:
    return _relation(field) or isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField)


def _temporal(field) -> bool:
    return isinstance(field, forms.DateField | forms.DateTimeField | forms.TimeField | forms.SplitDateTimeField)


# (name, which fields to change, the value they get): each post changes one kind of field, keeps the rest.
MUTATIONS = [
    ("non-numeric ids", _relation, "abc"),
    ("huge integers", _numeric, HUGE),
    ("blank optional fields", lambda field: not field.required, ""),
    ("blank everything", lambda field: True, ""),
    ("overlong, junk and bad dates", lambda field: True, None),
]


def _shown_value(bound) -> list[str]:
    """What the browser would send back for a field as the page renders it."""
    value = bound.value()
    if isinstance(bound.field, forms.BooleanField):
        return ["on"] if value else []
    if isinstance(bound.field.widget, forms.MultiWidget):
        return [""]
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    if value is None:
        return [""]
    if isinstance(bound.field, forms.JSONField):
        return [bound.field.prepare_value(value)]
    return [str(value)]


def _forms_of(response):
    """(form, prefix-qualified names) of the main form and of every inline form, plus management data."""
    context = response.context
    found = [context["adminform"].form]
    data = {}
    for inline in context.get("inline_admin_formsets", []):
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = [str(management[name].value())]
        found.extend(formset.forms)
    return found, data


def _mutated(value_kind, field, original: list[str]) -> list[str]:
    if value_kind is not None:
        return [value_kind]
    if _temporal(field):
        return ["2026-02-30"]
    if _numeric(field):
        return ["-" + HUGE]
    return [JUNK * 2000]


def _posts(response):
    """The malformed posts to send to the form a GET answered."""
    found, management = _forms_of(response)
    for name, selects, value in MUTATIONS:
        data = dict(management)
        for form in found:
            for field_name, field in form.fields.items():
                bound = form[field_name]
                if field.disabled:
                    continue
                shown = _shown_value(bound)
                data[bound.html_name] = _mutated(value, field, shown) if selects(field) else shown
        yield name, data


def _form_urls(objects):
    for model in site._registry:
        info = model._meta.app_label, model._meta.model_name
        try:
            yield reverse("admin:{}_{}_add".format(*info))
        except NoReverseMatch:
            continue
        obj = objects.get(model._meta.model_name) or model._default_manager.order_by("pk").first()
        if obj is not None:
            yield reverse("admin:{}_{}_change".format(*info), args=[obj.pk])


@pytest.mark.parametrize("role", ROLES)
def test_no_admin_form_answers_a_server_error(role, world):  # noqa: F811 - the imported fixture
    actors, objects = world
    user = next(actor for actor in actors.values() if actor.groups.filter(name=role).exists())
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    errors, posted = [], 0
    for url in _form_urls(objects):
        page = client.get(url)
        if page.status_code != 200 or "adminform" not in page.context:
            continue
        for name, data in _posts(page):
            posted += 1
            try:
                status = client.post(url, data).status_code
            except CLIENT_ERRORS:
                continue  # answered 4xx (a view-only page refuses the post): the test client re-raises it
            except Exception as error:
                errors.append(f"{url} [{name}]: {type(error).__name__}: {str(error)[:200]}")
            else:
                if status >= 500:
                    errors.append(f"{url} [{name}]: {status}")
    assert posted > 0
    assert errors == [], "\n".join(errors)
