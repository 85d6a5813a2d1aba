import getpass
import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from tousu.accounts.choices import Role
from tousu.accounts.services import user_create
from tousu.core.errors import DomainError


class Command(BaseCommand):
    help = "Create a user with a role: tousu createuser NAME --role R [--department D]."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--department", default="", help="department code")
        parser.add_argument("--region", default="", help="region code")
        parser.add_argument("--name", default="", help="display name")
        parser.add_argument("--password", default=None, help="prompted for when omitted")

    # In English, like the rest of what the command prints (its help, argparse's errors): the
    # service's messages would otherwise come out in the default language, Chinese.
    @no_translations
    def handle(self, *args: Any, **opts: Any) -> None:
        password = opts["password"]
        generated = False
        if password is None:
            if opts.get("interactive", True) and self.stdin_is_tty():
                password = getpass.getpass("Password: ")
            else:
                password, generated = secrets.token_urlsafe(12), True
        try:
            user = user_create(
                username=opts["username"],
                role=opts["role"],
                password=password,
                department=opts["department"],
                region=opts["region"],
                display_name=opts["name"],
            )
        except DomainError as exc:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
            raise CommandError(f"{exc.message}{': ' + details if details else ''}") from exc
        self.stdout.write(f"Created {user.username} ({user.role}).")
        if generated:
            self.stdout.write(f"Password: {password}")

    @staticmethod
    def stdin_is_tty() -> bool:
        import sys

        return sys.stdin.isatty()
