"""The legal-challenge step on the case page (issue 18): record a reconsideration or court action, and its end.

:class:`LegalChallengeAdminMixin` adds the page ``<case>/legal-challenge/`` to ``CaseAdmin``; it shows the form
that fits (file one, or end the pending one) and writes through ``cases.services.challenges``.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import can

from ..services.challenges import ChallengeKind, case_legal_challenge_end, case_legal_challenge_file
from ..workflow import State

DATE = forms.DateInput(attrs={"type": "date"})


class ChallengeFileForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ChallengeKind.choices)
    forum = forms.CharField(label=_("reconsideration body or court"), max_length=200)
    filed_on = forms.DateField(label=_("filed on"), widget=DATE)
    reasons = forms.CharField(label=_("grounds and reference"), widget=forms.Textarea(attrs={"rows": 4}))


class ChallengeEndForm(forms.Form):
    ended_on = forms.DateField(label=_("ended on"), widget=DATE)
    outcome = forms.CharField(label=_("outcome"), widget=forms.Textarea(attrs={"rows": 4}))


def may_record_challenge(user, case) -> bool:
    return case.state == State.SANCTIONED and (user.is_superuser or can(user, "review", case))


class LegalChallengeAdminMixin:
    def legal_challenge_urls(self):
        view = self.admin_site.admin_view(self.legal_challenge_view)
        return [path("<int:object_id>/legal-challenge/", view, name="cases_case_legal_challenge")]

    def legal_challenge_view(self, request, object_id):
        case = self.get_object(request, str(object_id))
        if case is None:
            raise Http404
        if not may_record_challenge(request.user, case):
            raise PermissionDenied
        ending = case.under_legal_challenge
        form_class = ChallengeEndForm if ending else ChallengeFileForm
        today = timezone.localdate()
        form = form_class(request.POST or None, initial={"filed_on": today, "ended_on": today})
        if request.method == "POST" and form.is_valid():
            try:
                if ending:
                    case_legal_challenge_end(case=case, actor=request.user, **form.cleaned_data)
                else:
                    case_legal_challenge_file(case=case, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                self._show_errors(request, form, error)
            else:
                done = (
                    _("The end of the legal challenge was recorded.")
                    if ending
                    else _("The legal challenge was recorded.")
                )
                self.message_user(request, done, messages.SUCCESS)
                return redirect("admin:cases_case_change", case.pk)
        title = _("End of the legal challenge") if ending else _("Record a legal challenge")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts, "original": case, "title": title, "form": form,
            "transition": {"label": title},
        }  # fmt: skip
        return TemplateResponse(request, "admin/cases/case/transition.html", context)
