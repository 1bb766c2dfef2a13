"""Every API error as an RFC 9457 problem document (``application/problem+json``), never a traceback.

``type`` is a URN naming the problem (``urn:creditportal:api:<code>``), ``title`` the translated short name, ``status``
the HTTP status, ``detail`` what to do about it; a refused field list travels as ``errors`` (field, detail, code).
"""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Codes a client can branch on; each is the last part of the problem's ``type``.
_CODES = {
    400: "invalid-request",
    401: "not-authenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    415: "unsupported-media-type",
    429: "too-many-requests",
    500: "server-error",
}


def _titles() -> dict[int, str]:
    return {
        400: _("Invalid request"),
        401: _("Not authenticated"),
        403: _("Forbidden"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        415: _("Unsupported media type"),
        429: _("Too many requests"),
        500: _("Server error"),
    }


def problem(status_code: int, detail: str, *, code: str | None = None, errors=None, headers=None) -> Response:
    body = {
        "type": f"urn:creditportal:api:{code or _CODES.get(status_code, 'error')}",
        "title": _titles().get(status_code, _("Error")),
        "status": status_code,
        "detail": str(detail),
    }
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _flatten(detail, path: str = "") -> list[dict]:
    """DRF's nested error detail as a flat list of {field, detail, code}."""
    if isinstance(detail, dict):
        return [item for key, value in detail.items() for item in _flatten(value, f"{path}.{key}" if path else key)]
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [
                {"field": path or None, "detail": str(item), "code": getattr(item, "code", "invalid")}
                for item in detail
            ]
        return [item for index, value in enumerate(detail) for item in _flatten(value, f"{path}[{index}]")]
    return [{"field": path or None, "detail": str(detail), "code": getattr(detail, "code", "invalid")}]


def _from_django_validation(error: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(
            {field: [str(message) for message in messages] for field, messages in error.message_dict.items()}
        )
    return exceptions.ValidationError([str(message) for message in error.messages])


def problem_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = _from_django_validation(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("No such record within this client's scope."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        # Unexpected: logged with its traceback, the request's transaction rolled back, answered as a problem.
        logger.error("API request failed", exc_info=exc)
        set_rollback()
        return problem(status.HTTP_500_INTERNAL_SERVER_ERROR, _("The request could not be completed. Try again later."))
    # DRF's own handler would also mark the request's transaction for rollback; the API writes nothing a refusal
    # should undo (each service is atomic on its own), and the call itself must still be counted (``ApiCall``).
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(int(exc.wait) or 1)
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        detail = (
            errors[0]["detail"] if len(errors) == 1 else _("The request has %(count)d errors.") % {"count": len(errors)}
        )
        return problem(exc.status_code, detail, errors=errors, headers=headers)
    detail = exc.detail
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        detail = _("Too many requests from this client. Try again in %(seconds)d seconds.") % {
            "seconds": int(exc.wait) or 1
        }
    return problem(exc.status_code, detail, headers=headers)
