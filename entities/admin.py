from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts.permissions import can, require
from creditportal.admin_base import ProvinceListFilter, ScopedModelAdmin

from .forms import EntityForm, RevealForm
from .identifiers import looks_like_id_number, looks_like_uscc
from .models import Entity, EntityRelation, Representative
from .services import (
    entity_find_by_identifier,
    entity_register,
    entity_reveal_identifier,
    entity_update,
    relation_add,
    relation_end,
    representative_add,
    representative_end,
)


@admin.register(Entity)
class EntityAdmin(ScopedModelAdmin):
    form = EntityForm
    list_display = ["name", "kind", "display_identifier", "region_code", "created_at"]
    list_filter = ["kind", ProvinceListFilter]
    search_fields = ["name"]
    search_help_text = _("Search by name, or by an exact credit code or identity number.")
    readonly_fields = ["display_identifier", "created_at"]

    @admin.display(description=_("identifier"))
    def display_identifier(self, obj):
        return obj.display_identifier

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["kind", "name", "identifier", "region_code"]
        return ["kind", "name", "display_identifier", "identifier", "region_code", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly.append("kind")  # a person never becomes a firm: register a new entity instead
        return readonly

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
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
