"""``manage.py api_token_create --client NAME --by USERNAME [--days N]``: a new token, printed once."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from api.models import ApiClient
from api.services import api_token_create


class Command(BaseCommand):
    help = "Create a token for an API client and print it once (only its digest is stored)."

    def add_arguments(self, parser):
        parser.add_argument("--client", required=True, help="The client's name, as registered in the admin.")
        parser.add_argument("--by", required=True, help="Username of the administrator creating it (history).")
        parser.add_argument("--days", type=int, default=None, help="Days until it expires (default API_TOKEN_DAYS).")

    def handle(self, *args, client, by, days, **options):
        api_client = ApiClient.objects.filter(name=client).first()
        if api_client is None:
            raise CommandError(f"No API client is named {client!r}.")
        actor = User.objects.filter(username=by, is_active=True).first()
        if actor is None or not actor.has_perm("api.add_apitoken"):
            raise CommandError(f"{by!r} is not an active user allowed to create API tokens.")
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        expires_at = timezone.now() + datetime.timedelta(days=days) if days else None
        created = api_token_create(client=api_client, actor=actor, expires_at=expires_at, reason="api_token_create")
        self.stdout.write(created.secret)
        self.stderr.write(f"Expires {created.token.expires_at:%Y-%m-%d %H:%M %Z}. It is not shown again.")
