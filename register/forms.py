"""The public search form (issue 18): a name or credit code, and optional filters."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .selectors import MIN_QUERY_LENGTH, search_filter_choices

EMPTY_CHOICE = ("", "---------")


def _attrs(attrs: dict) -> str:
    """Django's ``django/forms/widgets/attrs.html``, in Python."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class FilterSelect(forms.Select):
    """A ``Select`` that writes the markup of Django's ``select.html`` and ``select_option.html`` itself.

    The search page renders its three filter lists (90 options) on every request, and through the templates each
    option is two template includes: 85% of the page's rendering (issue 18, docs/performance.md). Same context
    (``get_context``: options, selection, attributes), same characters out (a test compares them)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            parts.extend(
                f'\n  <option value="{conditional_escape(option["value"])}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703 - every value above is escaped


def _filter_field(name: str, label) -> forms.TypedChoiceField:
    """An optional filter whose choices (pk, label) come from the cached lists, read when rendered or validated."""
    return forms.TypedChoiceField(
        label=label, choices=lambda: [EMPTY_CHOICE, *search_filter_choices()[name]], coerce=int, empty_value=None,
        required=False, widget=FilterSelect,
    )  # fmt: skip


class RegisterSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or unified social credit code"), max_length=100, required=True,
        help_text=_("Any part of the name (at least 2 characters), or the full 18-character credit code."),
    )  # fmt: skip
    # Their lists are cached (``selectors.search_filter_choices``): the cleaned value is the chosen row's pk.
    department = _filter_field("department", _("Deciding department"))
    conduct = _filter_field("conduct", _("Conduct"))
    measure = _filter_field("measure", _("Measure"))
    decided_from = forms.DateField(
        label=_("Decided from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    decided_to = forms.DateField(
        label=_("Decided until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_q(self):
        query = " ".join(self.cleaned_data["q"].split())
        if len(query) < MIN_QUERY_LENGTH:
            raise ValidationError(
                _("Enter at least %(min)d characters."), code="too_short", params={"min": MIN_QUERY_LENGTH}
            )
        return query

    def clean(self):
        data = super().clean()
        start, end = data.get("decided_from"), data.get("decided_to")
        if start and end and start > end:
            self.add_error("decided_to", ValidationError(_("The end date is before the start date."), code="range"))
        return data
