from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.accounts.models import User
from tousu.accounts.services import token_create


class Command(BaseCommand):
    help = "API tokens: `tousu token create NAME` prints a new token as its last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create"])
        parser.add_argument("username")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {opts['username']!r}")
        token = token_create(user=user)
        self.stderr.write(f"New API token for {user.username} ({user.role}); shown once:")
        self.stdout.write(token)
