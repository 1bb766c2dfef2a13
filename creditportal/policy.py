"""The access policy and the staff second factor, as the bottom layers see them (docs/architecture.md, "Seams").

The one policy lives in ``accounts.permissions`` and the second factor in ``accounts.twofactor``. The project
glue (``creditportal``: the admin base and site) and ``audit`` sit below ``accounts`` and may not import it,
so ``AccountsConfig.ready`` installs both here (:func:`policy_install`). Nothing is decided here: each function
hands its question to the installed policy, and one not installed refuses (fails closed) instead of allowing.
Apps above ``accounts`` keep importing ``accounts.permissions`` itself.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_installed: dict[str, Callable] = {}


def policy_install(
    *,
    scope: Callable,
    can: Callable,
    require: Callable,
    needs_second_factor: Callable,
    second_factor_redirect: Callable,
) -> None:
    """Called once, by ``AccountsConfig.ready``."""
    _installed.update(
        scope=scope,
        can=can,
        require=require,
        needs_second_factor=needs_second_factor,
        second_factor_redirect=second_factor_redirect,
    )


def _policy(name: str) -> Callable:
    try:
        return _installed[name]
    except KeyError:
        raise ImproperlyConfigured(
            "No access policy installed: AccountsConfig.ready installs it (is accounts in INSTALLED_APPS?)."
        ) from None


def scope(queryset, user, action: str = "view"):
    return _policy("scope")(queryset, user, action)


def can(user, action: str, obj_or_model) -> bool:
    return _policy("can")(user, action, obj_or_model)


def require(user, action: str, obj):
    return _policy("require")(user, action, obj)


def needs_second_factor(request) -> bool:
    return _policy("needs_second_factor")(request)


def second_factor_redirect(request):
    return _policy("second_factor_redirect")(request)
