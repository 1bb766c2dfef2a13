import datetime

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from creditportal.admin_base import ReadOnlyScopedModelAdmin
from creditportal.policy import require

from . import timeline
from .exports import csv_response
from .models import AccessLog
from .services import access_log_write


class ActivityForm(forms.Form):
    user = forms.CharField(label=_("user name"), max_length=150)
    start = forms.DateField(label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("to (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(
        label=_("kind"),
        required=False,
        choices=[("", _("everything")), *timeline.KINDS.items()],
    )
    purpose = forms.CharField(
        label=_("purpose"),
        max_length=500,
        required=False,
        help_text=_("Required for the CSV export, which is recorded in the access log."),
    )

    def clean_user(self):
        try:
            return get_user_model().objects.get(username=self.cleaned_data["user"])
        except get_user_model().DoesNotExist:
            raise ValidationError(_("No such user."), "unknown_user") from None

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError(_("The end date cannot be before the start date."), "bad_period")
        return data


def _day_start(day):
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _page_context(request, events) -> dict:
    """One page of events (newest first) and the links to the others, keeping the rest of the query string."""
    events, technical = timeline.split(events)
    page = timeline.paginate(events, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "events": page.object_list,
        # Folded under the first page only, so every page costs the same.
        "technical_events": timeline.resolve(technical) if page.number == 1 else [],
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "page_query": query.urlencode(),
    }


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyScopedModelAdmin):
    list_display = ["at", "actor", "actor_roles", "actor_department", "action", "target_type", "target_id", "field"]
    list_filter = ["action", "actor_department"]
    list_select_related = ["actor", "actor_department", "target_type"]
    search_fields = ["request_id"]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("timeline/case/<int:object_id>/", view(self.case_timeline_view), name="audit_timeline_case"),
            path("timeline/entity/<int:object_id>/", view(self.entity_timeline_view), name="audit_timeline_entity"),
            path("activity/", view(self.activity_view), name="audit_activity"),
            *super().get_urls(),
        ]

    # -- a record's timeline: whoever may see the record ------------------------------------------
    def _timeline(self, request, obj, events, back_url_name):
        # The timeline shows the record's history; reading it is itself recorded.
        access_log_write(
            actor=request.user,
            action=AccessLog.Action.VIEW,
            target=obj,
            field="timeline",
            purpose=gettext("audit timeline"),
            request=request,
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "target_opts": obj._meta,
            "original": obj,
            "back_url_name": back_url_name,
            "title": gettext("Timeline of %(object)s") % {"object": obj},
            **_page_context(request, events),
        }
        return TemplateResponse(request, "admin/audit/timeline.html", context)

    def case_timeline_view(self, request, object_id):
        # Audit sits below cases and entities: it names their models by label, never imports them.
        Case = apps.get_model("cases", "Case")
        case = require(request.user, "view", get_object_or_404(Case, pk=object_id))
        return self._timeline(request, case, timeline.case_timeline(case), "admin:cases_case_change")

    def entity_timeline_view(self, request, object_id):
        Entity = apps.get_model("entities", "Entity")
        entity = require(request.user, "view", get_object_or_404(Entity, pk=object_id))
        return self._timeline(request, entity, timeline.entity_timeline(entity), "admin:entities_entity_change")

    # -- the auditor's view: what one user did and saw over a period ------------------------------
    def activity_view(self, request):
        if not self.has_view_permission(request):
            raise Http404
        form = ActivityForm(request.GET or None)
        events, examined = None, None
        if request.GET and form.is_valid():
            examined = form.cleaned_data["user"]
            start = _day_start(form.cleaned_data["start"])
            end_day = form.cleaned_data["end"]
            end = _day_start(end_day + datetime.timedelta(days=1)) if end_day else None
            kinds = [form.cleaned_data["kind"]] if form.cleaned_data["kind"] else None
            if request.GET.get("format") == "csv":
                purpose = form.cleaned_data["purpose"].strip()
                if not purpose:
                    form.add_error("purpose", gettext("State why you export this activity."))
                else:
                    events = timeline.user_activity(examined, start=start, end=end, kinds=kinds)
                    # Written before the data leaves: if it fails, nothing is exported.
                    access_log_write(
                        actor=request.user,
                        action=AccessLog.Action.EXPORT,
                        target=examined,
                        field="activity",
                        purpose=purpose,
                        request=request,
                    )
                    return self._activity_csv(examined, events)
            else:
                access_log_write(
                    actor=request.user,
                    action=AccessLog.Action.VIEW,
                    target=examined,
                    field="activity",
                    purpose=gettext("auditor activity view"),
                    request=request,
                )
                events = timeline.user_activity(examined, start=start, end=end, kinds=kinds)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("User activity"),
            "form": form,
            "examined": examined,
            **(_page_context(request, events) if events is not None else {"events": None}),
        }
        return TemplateResponse(request, "admin/audit/activity.html", context)

    def _activity_csv(self, user, events):
        header = [
            gettext("when"),
            gettext("who"),
            gettext("kind"),
            gettext("what"),
            gettext("reason"),
            gettext("changes"),
        ]
        rows = [
            [
                event.at.isoformat(),
                event.actor.get_username() if event.actor else "",
                event.kind,
                f"{event.title} — {event.subject}" if event.subject else event.title,
                event.reason,
                "; ".join(f"{c.label}: {c.old} → {c.new}" for c in event.changes),
            ]
            for event in timeline.resolve(events)
        ]
        return csv_response(f"activity-{user.get_username()}.csv", header, rows)
