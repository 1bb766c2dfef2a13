from django import forms
from django.utils.translation import gettext_lazy as _

from . import proportionality
from .models import Case, Filing, LegalDocument, Sanction
from .services.drafts import catalogue_item_problems, measure_problems


class CaseForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["entity", "catalogue_item", "severity", "facts", "internal_notes"]

    def clean(self):
        cleaned = super().clean()
        entity = cleaned.get("entity") or getattr(self.instance, "entity", None)
        for field, message in catalogue_item_problems(
            entity=entity, catalogue_item=cleaned.get("catalogue_item")
        ).items():
            self.add_error(field, message)
        return cleaned


class LegalDocumentForm(forms.ModelForm):
    class Meta:
        model = LegalDocument
        fields = ["type", "number", "issuer", "issued_on"]

    def clean_issued_on(self):
        from django.utils import timezone

        issued_on = self.cleaned_data["issued_on"]
        if issued_on and issued_on > timezone.localdate():
            raise forms.ValidationError(_("The document cannot be dated in the future."))
        return issued_on


class SanctionForm(forms.ModelForm):
    """A proposed measure; the same guards as the service, shown at the field before anything is saved."""

    class Meta:
        model = Sanction
        fields = ["measure_type", "duration_months"]

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        if case is not None and case.pk and "measure_type" in self.fields:
            # What the proportionality table allows (issue 20 §3); worked out once for all rows of the case.
            if "_proportionality_limits" not in case.__dict__:
                case.__dict__["_proportionality_limits"] = proportionality.describe(case)
            self.fields["measure_type"].help_text = case.__dict__["_proportionality_limits"]

    def clean(self):
        cleaned = super().clean()
        measure_type = cleaned.get("measure_type")
        if measure_type is not None and self.case is not None and not cleaned.get("DELETE"):
            problems = measure_problems(
                case=self.case, measure_type=measure_type, duration_months=cleaned.get("duration_months")
            )
            for field, message in problems.items():
                self.add_error(field, message)
        return cleaned


class EvidenceUploadForm(forms.ModelForm):
    """New evidence: the file is inspected (size, type by content) before anything is stored."""

    class Meta:
        from .models import Evidence

        model = Evidence
        fields = ["file", "description"]

    def clean_file(self):
        from .evidence import inspect_upload

        uploaded = self.cleaned_data["file"]
        if uploaded and not self.instance.pk:
            inspect_upload(uploaded)
        return uploaded


class TransitionForm(forms.Form):
    """Reasons for a workflow step, and the case version the page showed (a stale page is refused)."""

    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, reason_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reasons"].required = reason_required

    @classmethod
    def kwargs_for(cls, case) -> dict:
        """Keyword arguments this form needs from the case (none here)."""
        return {}


class SanctionDecisionForm(TransitionForm):
    """The decision to impose measures; for conduct the catalogue publishes "per case", whether to publish."""

    publish = forms.BooleanField(
        label=_("Publish on the public register"),
        required=False,
        help_text=_("The catalogue leaves publication of this conduct to the decision. Minors are never published."),
    )

    def __init__(self, *args, per_case=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not per_case:
            del self.fields["publish"]  # the catalogue decides: yes, or never

    @classmethod
    def kwargs_for(cls, case) -> dict:
        item = case.catalogue_item
        return {"per_case": bool(item and item.publishable == item.Publishable.PER_CASE)}


class StatementForm(TransitionForm):
    text = forms.CharField(label=_("The entity's statement"), widget=forms.Textarea(attrs={"rows": 8}))
    received_on = forms.DateField(label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}))


class GrantUserForm(forms.Form):
    """Give one member of staff access to a case."""

    user = forms.ModelChoiceField(label=_("Person"), queryset=None)
    codenames = forms.MultipleChoiceField(
        label=_("Access"),
        choices=[("view_case", _("read the case")), ("change_case", _("work on the draft"))],
        initial=["view_case"],
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users


class ShareDepartmentForm(forms.Form):
    """Let another department read a joint case."""

    department = forms.ModelChoiceField(label=_("Department"), queryset=None)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class RevokeForm(forms.Form):
    """Take access away: from one person (``user``) or from a department the case was shared with."""

    user = forms.IntegerField(required=False, widget=forms.HiddenInput)
    department = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=500)


# -- the appeals reviewer's forms (cases.admin.appeals) -------------------------------------------------------


class FilingStepForm(forms.Form):
    """Every review step carries the filing version the page showed: a stale page is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class FilingDecisionForm(FilingStepForm):
    """A final outcome with reasons; the outcomes offered depend on what was filed."""

    outcome = forms.ChoiceField(label=_("Outcome"), widget=forms.RadioSelect)
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, filing, **kwargs):
        super().__init__(*args, **kwargs)
        Outcome = Filing.Outcome
        if filing.kind == Filing.Kind.REPAIR:
            outcomes = [Outcome.REPAIRED, Outcome.REFUSED]
        else:
            outcomes = [Outcome.REVOKED, Outcome.DISMISSED]
        self.fields["outcome"].choices = [(o.value, o.label) for o in outcomes]


class CorrectionForm(FilingStepForm):
    """Uphold in whole or in part by correcting the measures: for each one in force, keep, end, or end earlier."""

    KEEP, END, SHORTEN = "keep", "end", "shorten"

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        widget=forms.RadioSelect,
        choices=[(o.value, o.label) for o in (Filing.Outcome.CORRECTED, Filing.Outcome.PARTLY_UPHELD)],
    )
    end_publication = forms.BooleanField(label=_("End the publication"), required=False)
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, sanctions, **kwargs):
        super().__init__(*args, **kwargs)
        self.sanctions = list(sanctions)
        for sanction in self.sanctions:
            # Shown in a table row without <label>s: each input carries its name (axe "label", issue 25).
            measure = str(sanction.measure_type)
            self.fields[f"measure_{sanction.pk}"] = forms.ChoiceField(
                label=measure,
                choices=[(self.KEEP, _("keep")), (self.END, _("end now")), (self.SHORTEN, _("end earlier, on"))],
                initial=self.KEEP,
                widget=forms.Select(attrs={"aria-label": measure}),
            )
            new_end = _("new end of %(measure)s") % {"measure": measure}
            self.fields[f"end_{sanction.pk}"] = forms.DateField(
                label=new_end,
                required=False,
                widget=forms.DateInput(attrs={"type": "date", "aria-label": new_end}),
            )

    def measure_rows(self):
        return [(s, self[f"measure_{s.pk}"], self[f"end_{s.pk}"]) for s in self.sanctions]

    def clean(self):
        data = super().clean()
        changes = {}
        for sanction in self.sanctions:
            choice = data.get(f"measure_{sanction.pk}")
            if choice == self.END:
                changes[sanction.pk] = "end"
            elif choice == self.SHORTEN:
                end = data.get(f"end_{sanction.pk}")
                if end is None:
                    self.add_error(f"end_{sanction.pk}", _("Enter the new end date."))
                else:
                    changes[sanction.pk] = end
        data["changes"] = changes
        return data


class DocumentsRequestForm(FilingStepForm):
    missing = forms.CharField(
        label=_("Documents missing"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("List everything that is missing: the entity is asked only once."),
    )


class ReturnCorrectionForm(FilingStepForm):
    reasons = forms.CharField(label=_("Why the correction is not confirmed"), widget=forms.Textarea(attrs={"rows": 4}))


class CalendarNoticeForm(forms.Form):
    """A year's State Council holiday notice, typed in as it reads (cases.services.deadlines)."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    notice = forms.CharField(
        label=_("Notice"), max_length=300, help_text=_("Title, document number and date of issue.")
    )
    source = forms.CharField(
        label=_("Source"), widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Where the notice was read: its gov.cn address, or a Xinhua reprint."),
    )  # fmt: skip
    holidays = forms.CharField(
        label=_("Holidays"), widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "One block a line: first day, optionally “/” and last day, the name in Chinese, “|”, the name in "
            "English. Example: 2027-10-01/2027-10-07 国庆节 | National Day"
        ),
    )  # fmt: skip
    workdays = forms.CharField(
        label=_("Make-up working days"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One Saturday or Sunday a line, with the holiday it belongs to. "
            "Example: 2027-09-26 国庆节 | National Day"
        ),
    )  # fmt: skip

    @staticmethod
    def _parse(text: str, *, ranges: bool):
        import datetime

        from .services.deadlines import NoticeDay

        days = []
        for number, line in enumerate((text or "").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                when, rest = line.strip().split(None, 1)
                name_zh, name_en = (part.strip() for part in rest.split("|", 1))
                first, _sep, last = when.partition("/") if ranges else (when, "", "")
                first_day = datetime.date.fromisoformat(first)
                last_day = datetime.date.fromisoformat(last) if last else first_day
            except ValueError:
                raise forms.ValidationError(
                    _("Line %(number)s does not read “date name | English name”.") % {"number": number}
                ) from None
            if last_day < first_day or not name_zh or not name_en:
                message = _("Line %(number)s is incomplete or ends before it starts.")
                raise forms.ValidationError(message % {"number": number})
            days.append(NoticeDay(first_day, last_day, name_zh, name_en))
        return days

    def clean_holidays(self):
        return self._parse(self.cleaned_data["holidays"], ranges=True)

    def clean_workdays(self):
        return self._parse(self.cleaned_data["workdays"], ranges=False)
