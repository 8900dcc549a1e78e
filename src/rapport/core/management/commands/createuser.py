"""``rapport createuser alice --role sales_rep --team north``."""

from __future__ import annotations

import os
import sys
from getpass import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.common.errors import ValidationFailed
from rapport.core.models import Role, User
from rapport.core.services import team_get_or_create, user_create


class Command(BaseCommand):
    help = "Create a user. The password comes from RAPPORT_PASSWORD, else standard input (a prompt on a terminal, one line when piped)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", default=Role.SALES_REP, choices=Role.values)
        parser.add_argument("--team", help="team code; created if missing")
        parser.add_argument("--manager", help="username of the user's manager")
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--language", default="en", choices=["en", "zh-hans"])

    def _password(self) -> str:
        if password := os.environ.get("RAPPORT_PASSWORD"):
            return password
        if sys.stdin.isatty():
            first = getpass("Password: ")
            if first != getpass("Password (again): "):
                raise CommandError("The passwords differ.")
            return first
        return sys.stdin.readline().rstrip("\n")

    def handle(self, *args: Any, **options: Any) -> None:
        manager = None
        if options["manager"]:
            manager = User.objects.filter(username=options["manager"]).first()
            if manager is None:
                raise CommandError(f"--manager: no user '{options['manager']}'.")
        team = team_get_or_create(slug=options["team"]) if options["team"] else None
        try:
            user = user_create(
                username=options["username"],
                password=self._password(),
                role=options["role"],
                team=team,
                manager=manager,
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                language=options["language"],
            )
        except ValidationFailed as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.field_errors.items()) or exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Created {user.username} ({user.get_role_display()}{', team ' + team.slug if team else ''}).")
        )
