"""Clients, their scopes and tokens in the admin (administrators), with history; their usage (auditors)."""

from django.contrib import admin, messages
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts.permissions import require
from creditportal.admin_base import ScopedModelAdmin

from .forms import ApiClientForm, ApiTokenForm
from .models import ApiClient, ApiToken
from .selectors import client_usage
from .services import api_client_register, api_client_update, api_token_create, api_token_revoke


@admin.register(ApiClient)
class ApiClientAdmin(ScopedModelAdmin):
    form = ApiClientForm
    list_display = ["name", "department", "scope_list", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name"]
    object_select_related = ("department",)
    change_form_template = "admin/api/apiclient/change_form.html"

    @admin.display(description=_("scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes or [])

    def get_fields(self, request, obj=None):
        fields = ["department", "name", "scopes", "active", "rate_per_minute"]
        # The reason is asked of whoever changes the client; a read-only page (auditors) has nothing to ask.
        return [*fields, "reason"] if obj is None or self.has_change_permission(request, obj) else fields

    def get_readonly_fields(self, request, obj=None):
        return ["department", "name"] if obj is not None else []

    def service_save(self, request, form, change):
        data = form.cleaned_data
        if change:
            return api_client_update(
                client=form.instance, actor=request.user, scopes=data["scopes"], active=data["active"],
                rate_per_minute=data["rate_per_minute"], reason=data["reason"],
            )  # fmt: skip
        return api_client_register(
            actor=request.user, department=data["department"], name=data["name"], scopes=data["scopes"],
            reason=data["reason"],
        )  # fmt: skip

    def get_urls(self):
        usage = self.admin_site.admin_view(self.usage_view)
        return [path("<int:object_id>/usage/", usage, name="api_apiclient_usage"), *super().get_urls()]

    def usage_view(self, request, object_id: int):
        """Calls per day, entities touched and purposes over the last 30 days (auditors, administrators)."""
        client = self.get_object(request, str(object_id))
        if client is None:
            raise Http404
        require(request.user, "usage", client)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": client,
            "title": _("Usage of %(client)s") % {"client": client.name},
            "usage": client_usage(client),
        }
        return TemplateResponse(request, "admin/api/apiclient/usage.html", context)


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedModelAdmin):
    """Tokens are created here (the secret is shown once, on the page that follows) and revoked, never edited."""

    form = ApiTokenForm
    list_display = ["__str__", "client", "created_at", "expires_at", "revoked_at", "last_used_at", "state"]
    list_filter = ["client"]
    list_select_related = ["client"]
    actions = ["revoke"]

    @admin.display(description=_("state"))
    def state(self, obj):
        return {"valid": _("valid"), "expired": _("expired"), "revoked": _("revoked")}[obj.state()]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["client", "expires_at"]
        return ["client", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def service_save(self, request, form, change):
        created = api_token_create(
            client=form.cleaned_data["client"], actor=request.user, expires_at=form.cleaned_data["expires_at"]
        )
        request._api_token_secret = created.secret
        return created.token

    def response_add(self, request, obj, post_url_continue=None):
        """The one time the secret is shown: on this page, not in a message (messages are kept in the session)."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Token created"),
            "token": obj,
            "secret": request._api_token_secret,
        }
        return TemplateResponse(request, "admin/api/apitoken/created.html", context)

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token, actor=request.user, reason="revoked in the admin")
        messages.success(request, _("The selected tokens are revoked."))

    def has_revoke_permission(self, request):
        return super().has_change_permission(request)
