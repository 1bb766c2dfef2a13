"""Rate limits and back-off kept in the cache (issue 24): password-reset mails and one-time-code attempts.

Keys hold no identifier in clear: an address, a session key or a network address is reduced to a keyed
hash first (:func:`_key`). The cache is ``settings.CACHES["default"]`` (``REDIS_URL`` for a shared one); with several
worker processes it must be one they share, or each process counts on its own.
"""

import math
import time

from axes.helpers import get_client_ip_address
from django.core.cache import cache
from django.utils.crypto import salted_hmac

_SALT = "accounts.throttle"


def _key(kind: str, *parts) -> str:
    digest = salted_hmac(_SALT, "\x1f".join(str(part) for part in parts), algorithm="sha256").hexdigest()
    return f"throttle:{kind}:{digest[:40]}"


def client_address(request) -> str:
    """The client's network address, found as the sign-in lockout finds it (django-axes' settings)."""
    return (get_client_ip_address(request) if request is not None else None) or "unknown"


# -- fixed windows: at most ``limit`` events per ``window`` seconds per key -------------------------------------


def within_limit(kind: str, identifier, *, limit: int, window: int) -> bool:
    """Count one more event for ``identifier``; ``False`` once more than ``limit`` fell in the current window."""
    key = _key(kind, identifier)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


# -- back-off: after n failures beyond the free ones, wait min(2 ** (n - free - 1), cap) seconds from the last -----


def backoff_key(kind: str, *parts) -> str:
    return _key(kind, *parts)


def backoff_wait(keys_and_caps: dict[str, int], *, free: int = 0) -> int:
    """Whole seconds still to wait before the next attempt: the longest wait of the keys given (0: go ahead)."""
    now = time.time()
    stored = cache.get_many(list(keys_and_caps))
    wait = 0.0
    for key, cap in keys_and_caps.items():
        failures, last = stored.get(key, (0, 0.0))
        if failures > free:
            wait = max(wait, last + min(2 ** min(failures - free - 1, 32), cap) - now)
    return max(0, math.ceil(wait))


def backoff_failure(keys_and_caps: dict[str, int]) -> None:
    """One more failure on each key; all are forgotten once twice the longest wait (and a minute) passed quietly."""
    now = time.time()
    stored = cache.get_many(list(keys_and_caps))
    cache.set_many(
        {key: (stored.get(key, (0, 0.0))[0] + 1, now) for key in keys_and_caps},
        timeout=2 * max(keys_and_caps.values()) + 60,
    )


def backoff_reset(keys) -> None:
    cache.delete_many(list(keys))
