"""The public search form (issue 18): a name or credit code, and optional filters."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from cases.selectors.publications import conduct_choices, measure_choices

from .selectors import MIN_QUERY_LENGTH


class RegisterSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or unified social credit code"), max_length=100, required=True,
        help_text=_("Any part of the name (at least 2 characters), or the full 18-character credit code."),
    )  # fmt: skip
    department = forms.ModelChoiceField(
        label=_("Deciding department"), queryset=Department.objects.order_by("name").only("name"), required=False
    )
    conduct = forms.ModelChoiceField(label=_("Conduct"), queryset=conduct_choices(), required=False)
    measure = forms.ModelChoiceField(label=_("Measure"), queryset=measure_choices(), required=False)
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
