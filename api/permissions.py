"""Which client may call which endpoint: a view names its scope (``required_scope``); the token's client holds it."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission


class HasScope(BasePermission):
    message = _("This client's scopes do not include this endpoint.")

    def has_permission(self, request, view):
        client = getattr(request, "api_client", None)
        if client is None:
            raise exceptions.NotAuthenticated(_("Send a token: Authorization: Bearer <token>."))
        required = getattr(view, "required_scope", None)
        return required is None or client.has_scope(required)
