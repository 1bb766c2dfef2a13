from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Entity, LegacyIdentifier
from .services import DuplicateEntityError, identifier_check, legacy_identifier_check


class EntityForm(forms.ModelForm):
    """Registers or corrects an entity. The identifier is a form field only: the model stores it protected."""

    identifier = forms.CharField(
        label=_("Identifier"),
        max_length=32,
        required=False,
        help_text=_(
            "Organisations: the 18-character unified social credit code. "
            "Natural persons: the 18-digit resident identity number (stored encrypted, shown masked)."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    class Meta:
        model = Entity
        fields = ["kind", "name", "identifier", "region_code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.checked_identifier = None
        if self.instance.pk:
            self.fields["identifier"].label = _("Corrected identifier")
            self.fields["identifier"].help_text = _(
                "Leave blank to keep the current identifier; enter a new one only to correct a mistake."
            )
        else:
            self.fields["identifier"].required = True
            self.fields["region_code"].required = False
            self.fields["region_code"].help_text = _("Leave blank to take it from the identifier.")

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind") or self.instance.kind
        identifier = cleaned.get("identifier")
        if kind and identifier:
            try:
                self.checked_identifier = identifier_check(kind=kind, identifier=identifier, exclude=self.instance)
            except DuplicateEntityError as duplicate:
                url = reverse("admin:entities_entity_change", args=[duplicate.existing.pk])
                self.add_error(
                    "identifier",
                    format_html(
                        '{} <a href="{}">{}</a>',
                        _("An entity with this identifier is already registered."),
                        url,
                        _("Open the existing record: %(name)s") % {"name": duplicate.existing.name},
                    ),
                )
            except forms.ValidationError as error:
                self.add_error(None, error)
        if not self.instance.pk and not cleaned.get("region_code") and self.checked_identifier:
            cleaned["region_code"] = self.checked_identifier.region_code
        return cleaned


class RevealForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why you need the full number. It is recorded with your name and shown to the entity."),
    )


class EntitySearchForm(forms.Form):
    """The registry's search box: a name, a credit code or an identity number (posted, never put in a URL)."""

    q = forms.CharField(label=_("Search"), max_length=200, required=False)


class LegacyIdentifierForm(forms.ModelForm):
    """Adds a code to the allow-list (kind + identifier, add page only) or changes its reason and status."""

    identifier = forms.CharField(
        label=_("Identifier"),
        max_length=32,
        help_text=_("The code exactly as issued; an identity number is stored only as a keyed hash, shown masked."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    class Meta:
        model = LegacyIdentifier
        fields = ["kind", "reason", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["identifier"]

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk and cleaned.get("kind") and cleaned.get("identifier"):
            try:
                legacy_identifier_check(kind=cleaned["kind"], identifier=cleaned["identifier"])
            except forms.ValidationError as error:
                self.add_error(None, error)
        return cleaned
