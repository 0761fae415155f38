"""``liptako reset_two_factor USERNAME``: remove a user's second factor (a lost phone): the
authenticator app, the recovery codes and the passkeys.

For the technical administrator, once they have checked who is asking. Every session of the
user ends; a user whose role requires a second factor sets up a new one at their next log-in.
Recorded in the audit log (``user.two_factor_remove``, by the system); exit 1 when the user
has no second factor or does not exist.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liptako.accounts.models import User
from liptako.accounts.services import two_factor_remove


class Command(BaseCommand):
    help = "Remove a user's second factor (lost phone); they set up a new one at next log-in."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No account “%(username)s”.") % {"username": username})
        if not two_factor_remove(actor=None, user=user):
            raise CommandError(
                _("“%(username)s” has no second factor.") % {"username": username}, returncode=1
            )
        self.stdout.write(
            _("Second factor of “%(username)s” removed; their sessions are ended.")
            % {"username": username}
        )
