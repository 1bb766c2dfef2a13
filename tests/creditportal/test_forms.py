"""The one helper that puts a service's refusal on a form (issue 21 §7: it was written five times)."""

from django import forms
from django.core.exceptions import ValidationError

from creditportal.forms import form_add_service_errors


class TextForm(forms.Form):
    text = forms.CharField()


def _bound():
    form = TextForm({"text": "x"})
    assert form.is_valid()
    return form


def test_field_errors_go_to_their_fields_and_others_above_the_form():
    form = _bound()
    assert form_add_service_errors(form, ValidationError({"text": "Too short.", "document": "Missing."})) is None
    assert form.errors["text"] == ["Too short."]
    assert form.non_field_errors() == ["Missing."]


def test_an_error_of_no_field_goes_above_the_form():
    form = _bound()
    assert form_add_service_errors(form, ValidationError("The window closed.")) is None
    assert form.non_field_errors() == ["The window closed."]


def test_as_a_refusal_it_comes_back_as_the_one_message_and_the_form_stays_clean():
    form = _bound()
    assert form_add_service_errors(form, ValidationError("The window closed."), refusal=True) == "The window closed."
    assert not form.errors
