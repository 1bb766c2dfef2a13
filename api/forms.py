from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApiClient, ApiToken
from .scopes import Scope


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    class Meta:
        model = ApiClient
        fields = ["department", "name", "scopes", "active", "rate_per_minute"]


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["client", "expires_at"]
