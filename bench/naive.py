"""The naive setup the benchmark compares against (issue 11): stock guardian admin, as the guardian docs suggest.

``GuardedModelAdmin`` with ``get_objects_for_user`` for the list, the default paginator with its exact
``COUNT(*)`` (twice: ``show_full_result_count``), field list filters, ``date_hierarchy``, and stock inlines on the
change page. Registered on its own ``AdminSite`` under ``/naive-admin/`` by ``bench.urls`` only.
"""

from django.contrib import admin
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from guardian.admin import GuardedModelAdmin
from guardian.shortcuts import get_objects_for_user

from cases.models import Case, Decision, LegalDocument, Notice, Sanction
from cases.selectors.queues import DUE_DATE
from cases.workflow import State
from entities.models import Entity


class NaiveSite(admin.AdminSite):
    site_header = "naive"


naive_site = NaiveSite(name="naive")


class LegalDocumentInline(admin.StackedInline):
    model = LegalDocument
    extra = 0


class SanctionInline(admin.TabularInline):
    model = Sanction
    extra = 0


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0


class NoticeInline(admin.TabularInline):
    model = Notice
    extra = 0


@admin.register(Case, site=naive_site)
class NaiveCaseAdmin(GuardedModelAdmin):
    # The stock templates, not the project's overrides (which link to the real admin's views).
    change_list_template = "admin/change_list.html"
    change_form_template = "admin/guardian/model/change_form.html"
    list_display = ["number", "entity", "catalogue_item", "severity", "state", "created_at"]
    list_filter = ["state", "severity", "catalogue_item", "department"]
    list_select_related = ["entity", "catalogue_item"]
    search_fields = ["number", "entity__name", "=entity__uscc"]
    date_hierarchy = "created_at"
    raw_id_fields = ["entity", "department", "caseworker", "submitted_by", "approved_by", "decided_by"]
    inlines = [LegalDocumentInline, SanctionInline, DecisionInline, NoticeInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return get_objects_for_user(request.user, "cases.view_case", klass=queryset, accept_global_perms=False)

    def get_urls(self):
        return [path("queue/", self.admin_site.admin_view(self.queue_view), name="naive_queue"), *super().get_urls()]

    def queue_view(self, request):
        """The review queue with guardian's shortcut instead of the policy's ``EXISTS``."""
        cases = (
            get_objects_for_user(request.user, "cases.review_case", klass=Case, accept_global_perms=False)
            .filter(state__in=[State.SUBMITTED, State.DECISION_PENDING])
            .annotate(due_on=DUE_DATE)
            .select_related("entity", "catalogue_item", "submitted_by")
            .order_by("review_due_on", "submitted_at", "pk")[:200]
        )
        context = {**self.admin_site.each_context(request), "opts": self.opts, "title": "queue", "cases": cases,
                   "today": timezone.localdate()}  # fmt: skip
        return render(request, "admin/cases/case/queue.html", context)


@admin.register(Entity, site=naive_site)
class NaiveEntityAdmin(admin.ModelAdmin):
    change_list_template = "admin/change_list.html"
    list_display = ["name", "kind", "uscc", "region_code", "created_at"]
    list_filter = ["kind", "region_code"]
    search_fields = ["name"]
