"""The one ModelAdmin base class (DESIGN §6). Every admin in the project extends ``ScopedModelAdmin``.

It routes everything a staff user can see or do through the one policy (``accounts.permissions``, reached
through ``creditportal.policy``: this layer may not import ``accounts``), so no admin has to
remember to: the changelist, change, history and delete pages, foreign-key choices, autocomplete and
list-filter values only ever show in-scope rows, and an out-of-scope object answers 404.
"""

from collections.abc import Callable

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils.translation import get_language
from simple_history.admin import SimpleHistoryAdmin

from .admin_fields import KeyCheckedFieldsMixin
from .policy import can, scope

# How an inline's rows are scoped on their parent's change page (``ScopedInlineMixin.get_queryset_of``):
# parent model label → ``scoper(queryset, user, action, parent, *, parent_allowed)``. An app whose pages have
# many inlines registers a cheaper scoper for its parent in ``AppConfig.ready`` (the cases app: the case).
_PARENT_SCOPES: dict[str, Callable] = {}


def inline_parent_scope_register(label: str, scoper: Callable) -> None:
    _PARENT_SCOPES[label] = scoper


def request_can(request, action: str, obj_or_model) -> bool:
    """``can(request.user, action, obj_or_model)``, answered once per request for each object and action.

    A change page asks the same questions many times (the page, every inline, every workflow button), each
    a scoped ``EXISTS`` query. The answer is memoised on the request, keyed by the object's identity and, for
    rows that carry them, its ``state`` and ``version``: a row that changes state within the request is asked
    about afresh. Model-level questions are ``has_perm``, which Django already caches on the user. Services
    keep calling ``can()`` itself, uncached.
    """
    if isinstance(obj_or_model, type) or obj_or_model.pk is None:
        return can(request.user, action, obj_or_model)
    key = _policy_key(action, obj_or_model)
    cache = request.__dict__.setdefault("_policy_answers", {})
    if key not in cache:
        cache[key] = can(request.user, action, obj_or_model)
    return cache[key]


def _policy_key(action: str, obj) -> tuple:
    return action, obj._meta.label_lower, obj.pk, getattr(obj, "state", None), getattr(obj, "version", None)


_CHOICE_LABELS: dict[tuple, dict] = {}


def choice_label(model, field_name: str, value) -> str:
    """What ``obj.get_<field>_display()`` shows, from a table built once per field and language (issue 22).

    Django's own rebuilds the field's choices as a dict, translating every label, for each call: on a list
    page that is once per row and column.
    """
    key = (model, field_name, get_language())
    labels = _CHOICE_LABELS.get(key)
    if labels is None:
        labels = _CHOICE_LABELS[key] = {k: str(v) for k, v in model._meta.get_field(field_name).flatchoices}
    return labels.get(value, value)


def _may(action: str) -> str:
    return f"_may_{action}"


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related-field filter that offers only the values the user may see."""

    def field_choices(self, field, request, model_admin):
        related = scope(field.remote_field.model._default_manager.all(), request.user, "view")
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            related = related.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in related]


class CountFreeChangeList(ChangeList):
    """A changelist that pages without counting (DESIGN §10, issue 11).

    Counting the rows a scoped list holds costs as much as reading them all: one grant probe per case for
    ``COUNT(*)``, before the page is even fetched. Here the page is fetched with one row more than it shows:
    that row says whether a next page exists, and nothing else is read. The total is exact when the list
    ends on the page shown ("42 cases"); otherwise the page says how far the list goes ("26–50 of more
    than 50"). Pages stop at ``MAX_ROWS``: beyond it, filters and search narrow the list (a deep ``OFFSET``
    costs as much as reading every row before it). There is no "show all".

    Admins with actions or editable lists keep Django's counting changelist: "select all N" needs the number,
    and the editable list's formset needs a queryset.
    """

    MAX_ROWS = 10_000

    def get_results(self, request):
        if self.list_editable or self.model_admin.get_actions(request):
            return super().get_results(request)
        per_page = self.list_per_page
        offset = (self.page_num - 1) * per_page
        if self.page_num < 1 or offset >= self.MAX_ROWS:
            raise IncorrectLookupParameters
        rows = list(self.queryset[offset : offset + per_page + 1])
        if not rows and self.page_num > 1:
            raise IncorrectLookupParameters
        more = len(rows) > per_page
        rows = rows[:per_page]
        self.rows_shown = (offset + 1, offset + len(rows))
        # Whether more rows follow than the page shows; and whether the next page may be opened.
        self.more_follow = more
        self.narrow_to_see_more = more and offset + per_page >= self.MAX_ROWS
        # The paginator pages up to the next page when there is one (its count is a lower bound then).
        count = offset + len(rows) + (1 if more and not self.narrow_to_see_more else 0)
        paginator = self.model_admin.get_paginator(request, rows, per_page)
        paginator.count = count
        self.result_count = offset + len(rows) + (1 if more else 0)
        self.full_result_count = None
        self.show_full_result_count = False
        self.show_admin_actions = False
        self.result_list = rows
        self.can_show_all = False
        self.multi_page = more or self.page_num > 1
        self.paginator = paginator


class ScopedModelAdmin(KeyCheckedFieldsMixin, SimpleHistoryAdmin):
    """Scoped querysets, object-aware permissions, no bulk delete, read-only history."""

    # Exact counts over big tables are costly and leak nothing useful (DESIGN §10); no facet counts either.
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    # Deleting a record would erase what the audit trail is for; subclasses opt in explicitly.
    allow_delete = False
    # Foreign keys the change page shows (read-only fields render them): fetched with the object.
    object_select_related: tuple[str, ...] = ()
    # Actions the change page asks the policy about (buttons, inlines): answered in the object's own query,
    # each as an ``EXISTS`` over the policy's scope, and remembered for the request (``request_can``).
    object_policy_actions: tuple[str, ...] = ()

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user, "view")

    def get_changelist(self, request, **kwargs):
        return CountFreeChangeList

    # -- permissions: the policy decides, per object when there is one --------------------------
    def has_module_permission(self, request):
        return request_can(request, "view", self.model)

    def has_view_permission(self, request, obj=None):
        return request_can(request, "view", obj if obj is not None else self.model) or self.has_change_permission(
            request, obj
        )

    def has_add_permission(self, request):
        return request_can(request, "add", self.model)

    def has_change_permission(self, request, obj=None):
        return request_can(request, "change", obj if obj is not None else self.model)

    def has_delete_permission(self, request, obj=None):
        return self.allow_delete and request_can(request, "delete", obj if obj is not None else self.model)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # -- writes go through the services -----------------------------------------------------------
    def save_model(self, request, obj, form, change):
        """Let a subclass's ``service_save(request, form, change)`` write the object instead of ``save()``.

        Runs only once the form and every inline are valid, so a refused inline never leaves a half-saved
        parent. The admin keeps using ``obj`` afterwards (inlines, log entry, redirect), so it takes over
        the saved row's state.
        """
        service_save = getattr(self, "service_save", None)
        if service_save is None:
            super().save_model(request, obj, form, change)
            return
        saved = service_save(request, form, change)
        if saved is not obj:
            obj.__dict__.update(saved.__dict__)

    # -- no leaks through related choices or filters ---------------------------------------------
    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(db)
        return scope(queryset.all(), request.user, "view")

    def get_list_filter(self, request):
        scoped = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and self._is_relation(item):
                item = (item, ScopedRelatedFieldListFilter)
            scoped.append(item)
        return scoped

    def _is_relation(self, field_path: str) -> bool:
        try:
            field = self.model._meta.get_field(field_path)
        except Exception:
            return False
        return field.is_relation

    # -- out of scope answers 404, never "does not exist, perhaps deleted?" -----------------------
    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404

    def get_object(self, request, object_id, from_field=None):
        """The scoped object, fetched once per request (the change page and its checks all ask for it)."""
        cache = request.__dict__.setdefault("_admin_objects", {})
        key = (self.model._meta.label_lower, str(object_id), from_field)
        if key not in cache:
            queryset = self.get_object_queryset(request)
            model = queryset.model
            field = model._meta.pk if from_field is None else model._meta.get_field(from_field)
            try:
                cache[key] = obj = queryset.get(**{field.name: field.to_python(object_id)})
            except (model.DoesNotExist, ValidationError, ValueError):
                cache[key] = None
            else:
                answers = request.__dict__.setdefault("_policy_answers", {})
                answers[_policy_key("view", obj)] = True  # read through the "view" scope (get_queryset)
                for action in self.object_policy_actions:
                    answers[_policy_key(action, obj)] = obj.__dict__.pop(_may(action))
        return cache[key]

    def get_formset_kwargs(self, request, obj, inline, prefix):
        if obj is None or obj.pk is None or not isinstance(inline, ScopedInlineMixin):
            return super().get_formset_kwargs(request, obj, inline, prefix)
        # As Django's, but the rows come from ``get_queryset_of`` alone: Django's own first builds
        # ``inline.get_queryset`` (the full scope, never run) only to have it replaced here (issue 22).
        kwargs = {"instance": obj, "prefix": prefix, "queryset": inline.get_queryset_of(request, obj)}
        if request.method == "POST":
            kwargs.update(data=request.POST.copy(), files=request.FILES, save_as_new="_saveasnew" in request.POST)
        return kwargs

    def get_object_queryset(self, request):
        """The queryset the change, history and delete pages read their one object from."""
        queryset = self.get_queryset(request)
        if self.object_select_related:
            queryset = queryset.select_related(*self.object_select_related)
        if self.object_policy_actions:
            model, user = queryset.model, request.user
            queryset = queryset.annotate(**{
                _may(action): Exists(scope(model._default_manager.filter(pk=OuterRef("pk")), user, action))
                for action in self.object_policy_actions
            })  # fmt: skip
        return queryset

    def _require_in_scope(self, request, object_id):
        # get_object reads through the scoped queryset and answers None for a bad or out-of-scope id.
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Scope before permission: an object the user may not see answers 404 whatever the reason.
        self._require_in_scope(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def _is_tracked(self) -> bool:
        return hasattr(self.model._meta, "simple_history_manager_attribute")

    def history_view(self, request, object_id, extra_context=None):
        self._require_in_scope(request, object_id)
        if not self._is_tracked():
            # Logs and roles have no simple-history table: the admin's own change log is their history.
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_in_scope(request, object_id)
        if not self._is_tracked():
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyScopedModelAdmin(ScopedModelAdmin):
    """For records only services write (logs, decisions): viewable, never added or changed in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ScopedInlineMixin(KeyCheckedFieldsMixin):
    """Inlines follow their parent: visible when it is, editable only when the parent may be changed."""

    allow_delete = False
    # Foreign keys each row renders (its parent in the row title, read-only user columns): no query per row.
    inline_select_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        return self._rows(scope(super().get_queryset(request), request.user, "view"))

    def get_queryset_of(self, request, parent):
        """This inline's rows of ``parent`` on its change page, as ``get_queryset`` scopes them.

        The page read ``parent`` through the policy (``request_can`` has its answer), so rows hanging off a
        case filter by the case instead of re-deriving its scope in SQL for every inline (issue 11).
        """
        scoper = _PARENT_SCOPES.get(parent._meta.label_lower)
        if scoper is None:
            return self.get_queryset(request)
        allowed = request_can(request, "view", parent)
        base = super().get_queryset(request)
        return self._rows(scoper(base, request.user, "view", parent, parent_allowed=allowed))

    def _rows(self, queryset):
        return queryset.select_related(*self.inline_select_related) if self.inline_select_related else queryset

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(db)
        return scope(queryset.all(), request.user, "view")

    def _parent_allows(self, request, obj, action):
        if not request_can(request, action, self.model):
            return False
        parent_action = "change" if obj is not None else "add"
        return request_can(request, parent_action, obj if obj is not None else self.parent_model)

    def has_view_permission(self, request, obj=None):
        return request_can(request, "view", obj if obj is not None else self.parent_model)

    def has_add_permission(self, request, obj=None):
        return self._parent_allows(request, obj, "add")

    def has_change_permission(self, request, obj=None):
        return self._parent_allows(request, obj, "change")

    def has_delete_permission(self, request, obj=None):
        return self.allow_delete and self._parent_allows(request, obj, "delete")


class ScopedTabularInline(ScopedInlineMixin, admin.TabularInline):
    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # A table row's inputs have the column heading above them but no <label>: give each its accessible name
        # (axe "label", issue 25). The label stays lazy, so it is translated when the page is rendered.
        for field in formset.form.base_fields.values():
            field.widget.attrs.setdefault("aria-label", field.label)
        return formset


class ScopedStackedInline(ScopedInlineMixin, admin.StackedInline):
    pass
