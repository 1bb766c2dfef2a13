import secrets

from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.views.main import PAGE_VAR, SEARCH_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.permissions import can, require
from accounts.regions import ProvinceListFilter
from audit.admin_export import ExportMixin
from creditportal.admin_base import CountFreeChangeList, ScopedModelAdmin

from .forms import EntityForm, EntitySearchForm, LegacyIdentifierForm, RevealForm
from .identifiers import looks_like_id_number, looks_like_uscc
from .models import Entity, EntityRelation, LegacyIdentifier, Representative
from .services import (
    entity_find_by_identifier,
    entity_register,
    entity_reveal_identifier,
    entity_update,
    legacy_identifier_add,
    legacy_identifier_update,
    relation_add,
    relation_end,
    representative_add,
    representative_end,
)

# The changelist's search term travels as an opaque token (?s=...), never in the URL (issue 9): an identity
# number or a person's name in a URL ends up in browser history, proxy logs and Referer headers.
SEARCH_HANDLE_VAR = "s"
_SESSION_SEARCHES = "entity_searches"
_SEARCHES_KEPT = 20


def _store_search(request, term: str) -> str:
    searches = dict(request.session.get(_SESSION_SEARCHES, {}))
    token = secrets.token_urlsafe(12)
    searches[token] = term
    request.session[_SESSION_SEARCHES] = dict(list(searches.items())[-_SEARCHES_KEPT:])
    return token


def _stored_search(request) -> str:
    return request.session.get(_SESSION_SEARCHES, {}).get(request.GET.get(SEARCH_HANDLE_VAR, ""), "")


class TokenSearchChangeList(CountFreeChangeList):
    """A changelist whose search term comes from the session, named by the ``s`` token in the URL."""

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        lookup_params.pop(SEARCH_HANDLE_VAR, None)
        return lookup_params

    def get_queryset(self, request, exclude_parameters=None):
        self.query = _stored_search(request)
        return super().get_queryset(request, exclude_parameters)


def _is_autocomplete(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "autocomplete"


@admin.register(Entity)
class EntityAdmin(ExportMixin, ScopedModelAdmin):
    form = EntityForm
    list_display = ["name", "kind", "display_identifier", "region_code", "created_at"]
    list_filter = ["kind", ProvinceListFilter]
    # Identifiers as the list shows them: masked for natural persons.
    export_fields = ("name", "kind", "display_identifier", "region_code", "created_at")
    search_fields = ["name"]
    search_help_text = _("Search by name, or by an exact credit code or identity number.")
    readonly_fields = ["display_identifier", "uscc_category", "created_at"]

    @admin.display(description=_("identifier"))
    def display_identifier(self, obj):
        return obj.display_identifier

    @admin.display(description=_("registration authority and category"))
    def uscc_category(self, obj):
        return obj.uscc_category or "–"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["kind", "name", "identifier", "region_code"]
        if obj.is_natural_person:
            return ["kind", "name", "display_identifier", "identifier", "region_code", "created_at"]
        return ["kind", "name", "display_identifier", "uscc_category", "identifier", "region_code", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly.append("kind")  # a person never becomes a firm: register a new entity instead
        return readonly

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        # After registering an entity the next step is usually its case (issue 25): offer it at once.
        if request.user.has_perm("cases.add_case") and not {"_addanother", IS_POPUP_VAR} & set(request.POST):
            url = f"{reverse('admin:cases_case_add')}?{urlencode({'entity': obj.pk})}"
            self.message_user(request, format_html('<a href="{}">{}</a>', url, _("Log a case for this entity")))
        return response

    def get_changelist(self, request, **kwargs):
        return TokenSearchChangeList

    def changelist_view(self, request, extra_context=None):
        if SEARCH_VAR in request.GET:
            # An old link or a typed URL: move the term out of the address bar before showing anything.
            return self._search_redirect(request, request.GET.get(SEARCH_VAR, ""), request.GET)
        return super().changelist_view(request, extra_context)

    def search_view(self, request):
        """The changelist's search form posts here; the answer is the changelist, with a token for the term."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = EntitySearchForm(request.POST)
        term = form.cleaned_data["q"] if form.is_valid() else ""
        return self._search_redirect(request, term, request.POST)

    def _search_redirect(self, request, term, carried):
        """Redirect to the changelist keeping ``carried``'s filters and popup flags, the term as a token."""
        params = QueryDict(mutable=True)
        for key, values in carried.lists():
            if key not in {SEARCH_VAR, SEARCH_HANDLE_VAR, PAGE_VAR, "csrfmiddlewaretoken"}:
                params.setlist(key, values)
        if term.strip():
            params[SEARCH_HANDLE_VAR] = _store_search(request, term.strip())
        url = reverse("admin:entities_entity_changelist", current_app=self.admin_site.name)
        return HttpResponseRedirect(f"{url}?{params.urlencode()}" if params else url)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if _is_autocomplete(request) and looks_like_id_number(term):
            # Autocomplete asks by GET (?term=...): identity numbers are looked up on the changelist only.
            return queryset.none(), False
        if looks_like_id_number(term) or looks_like_uscc(term):
            # Identifiers are matched exactly through the keyed hash; never a LIKE over ciphertext.
            match = entity_find_by_identifier(term)
            return queryset.filter(pk=match.pk if match else None), False
        return super().get_search_results(request, queryset, search_term)

    def service_save(self, request, form, change):
        data = form.cleaned_data
        if change:
            return entity_update(
                entity=form.instance,
                actor=request.user,
                name=data["name"],
                region_code=data["region_code"],
                identifier=data.get("identifier", ""),
            )
        return entity_register(
            actor=request.user,
            kind=data["kind"],
            name=data["name"],
            identifier=data["identifier"],
            region_code=data["region_code"],
        )

    def get_urls(self):
        return [
            path(
                "search/",
                self.admin_site.admin_view(require_POST(self.search_view)),
                name="entities_entity_search",
            ),
            path(
                "<int:object_id>/reveal/",
                self.admin_site.admin_view(self.reveal_view),
                name="entities_entity_reveal",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id)
        extra_context["can_reveal"] = bool(obj and obj.is_natural_person and can(request.user, "reveal", obj))
        return super().change_view(request, object_id, form_url, extra_context)

    def reveal_view(self, request, object_id):
        """Show a person's full identity number after the user states why; every reveal is logged."""
        entity = self.get_object(request, str(object_id))
        if entity is None or not entity.is_natural_person:
            raise Http404
        require(request.user, "reveal", entity)
        revealed = None
        form = RevealForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                revealed = entity_reveal_identifier(
                    entity=entity, actor=request.user, purpose=form.cleaned_data["purpose"], request=request
                )
            except ValidationError as error:
                form.add_error(None, error)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": entity,
            "title": _("Reveal identity number"),
            "form": form,
            "revealed": revealed,
        }
        return TemplateResponse(request, "admin/entities/entity/reveal.html", context)


@admin.register(EntityRelation)
class EntityRelationAdmin(ScopedModelAdmin):
    list_display = ["organisation", "person", "role", "valid_from", "valid_to"]
    list_filter = ["role"]
    list_select_related = ["organisation", "person"]
    autocomplete_fields = ["organisation", "person"]

    def get_readonly_fields(self, request, obj=None):
        # Once recorded, a relation is only ended, never rewritten.
        return ["organisation", "person", "role", "valid_from"] if obj else []

    def service_save(self, request, form, change):
        if change:
            return relation_end(relation=form.instance, actor=request.user, valid_to=form.cleaned_data["valid_to"])
        data = form.cleaned_data
        return relation_add(
            actor=request.user,
            organisation=data["organisation"],
            person=data["person"],
            role=data["role"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
        )


@admin.register(Representative)
class RepresentativeAdmin(ScopedModelAdmin):
    list_display = ["user", "entity", "relationship", "valid_from", "valid_to", "verified_by", "verified_at"]
    list_filter = ["relationship"]
    list_select_related = ["user", "entity", "verified_by"]
    autocomplete_fields = ["entity"]

    def get_readonly_fields(self, request, obj=None):
        # Once verified, a representation is only ended, never rewritten.
        if obj:
            return ["user", "entity", "relationship", "valid_from", "verified_by", "verified_at"]
        return ["verified_by", "verified_at"]

    def service_save(self, request, form, change):
        if change:
            return representative_end(
                representative=form.instance, actor=request.user, valid_to=form.cleaned_data["valid_to"]
            )
        data = form.cleaned_data
        return representative_add(
            actor=request.user,
            user=data["user"],
            entity=data["entity"],
            relationship=data["relationship"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
        )


@admin.register(LegacyIdentifier)
class LegacyIdentifierAdmin(ScopedModelAdmin):
    """The allow-list of genuine codes that fail the code rules (docs/identifiers.md)."""

    form = LegacyIdentifierForm
    list_display = ["__str__", "kind", "active", "created_at"]
    list_filter = ["kind", "active"]
    readonly_fields = ["kind", "__str__", "created_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["kind", "identifier", "reason"]
        return ["kind", "__str__", "reason", "active", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def service_save(self, request, form, change):
        data = form.cleaned_data
        if change:
            return legacy_identifier_update(
                entry=form.instance, actor=request.user, reason=data["reason"], active=data["active"]
            )
        return legacy_identifier_add(
            actor=request.user, kind=data["kind"], identifier=data["identifier"], reason=data["reason"]
        )
