"""Per-client rate limits, kept in the cache: this process's memory, or Redis shared by every server (REDIS_URL)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class ApiClientThrottle(SimpleRateThrottle):
    scope = "api_client"
    cache_format = "api:throttle:%(ident)s"

    def get_rate(self):
        return f"{settings.API_RATE_PER_MINUTE}/min"  # the default; ``allow_request`` applies the client's own

    def allow_request(self, request, view):
        client = getattr(request, "api_client", None)
        if client is None:
            return True  # unauthenticated requests are refused before any work
        if client.rate_per_minute:
            self.num_requests, self.duration = client.rate_per_minute, 60
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"ident": request.api_client.pk}
