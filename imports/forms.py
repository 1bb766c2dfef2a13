from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ImportJob


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("The file holds"), choices=ImportJob.Kind.choices, widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or GB18030) or Excel (XLSX), with the template's header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [choice for choice in ImportJob.Kind.choices if choice[0] in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]
