from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from liptako.validation.reminders import reminders_send


class Command(BaseCommand):
    help = "Mail a reminder about each decision pending for N days or more (once a day)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=3, help="pending for at least N days")

    def handle(self, *args: Any, **options: Any) -> None:
        sent = reminders_send(days=max(0, options["days"]))
        self.stdout.write(f"{sent} reminder(s) sent.")
