"""``liptako unlock_account USERNAME``: lift a log-in lockout before its cool-off ends.

For the technical administrator, when a user locked themself out (django-axes). The unlock is
recorded in the audit log (``user.unlock``); exit 1 when the account was not locked.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liptako.accounts.services import user_unlock


class Command(BaseCommand):
    help = "Lift the log-in lockout of an account (every address); recorded in the audit log."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        if not user_unlock(actor=None, username=username):
            raise CommandError(
                _("“%(username)s” is not locked out.") % {"username": username}, returncode=1
            )
        self.stdout.write(_("“%(username)s” can log in again.") % {"username": username})
