"""Bearer tokens of API clients (``Authorization: Bearer cpk_<prefix>_<secret>``): valid, or 401 problem+json."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .services import api_token_find, api_token_touch


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header:
            return None  # no credentials: the permission check answers 401
        if header[0].decode("latin-1").lower() != self.keyword.lower() or len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Authorization: Bearer <token>."))
        token = api_token_find(header[1].decode("latin-1"))
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is not known."))
        now = timezone.now()
        state = token.state(now)
        if state == "revoked":
            raise exceptions.AuthenticationFailed(_("The token has been revoked."))
        if state == "expired":
            raise exceptions.AuthenticationFailed(_("The token has expired."))
        client = token.client
        if not client.active or not client.account.is_active:
            raise exceptions.AuthenticationFailed(_("The client is not active."))
        api_token_touch(token, now=now)
        request.api_client = client
        request.api_actor_roles = token.account_roles  # for the access log, read with the token
        return client.account, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The token in the OpenAPI schema: HTTP bearer."""

    target_class = "api.authentication.ApiTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "cpk_<prefix>_<secret>, from an administrator."}
