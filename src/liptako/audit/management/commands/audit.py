"""``liptako audit verify`` and ``liptako audit checkpoint``.

``verify`` exits 0 and prints how many events and checkpoints it checked when the chain is
whole; it exits 1 naming the first bad event otherwise. ``checkpoint`` verifies the chain,
then signs its head with the instance's key (generated on first use) and stores the
checkpoint; it refuses, with exit 1, to sign a chain that does not verify.
Messages follow the instance's language (French by default).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liptako.audit.services import ChainHeadMismatch, audit_checkpoint_create
from liptako.audit.verify import VerificationResult, verify_chain


def _summary(result: VerificationResult) -> str:
    events = ngettext(
        "%(count)s event checked", "%(count)s events checked", result.events_checked
    ) % {"count": result.events_checked}
    checkpoints = ngettext(
        "%(count)s checkpoint", "%(count)s checkpoints", result.checkpoints_checked
    ) % {"count": result.checkpoints_checked}
    return _("Audit log intact: %(events)s, %(checkpoints)s") % {
        "events": events,
        "checkpoints": checkpoints,
    }


def _broken(result: VerificationResult) -> CommandError:
    return CommandError(_("Audit log broken: %(reason)s") % {"reason": result.reason}, returncode=1)


class Command(BaseCommand):
    help = "Verify the audit chain, or sign a checkpoint of its head."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser(
            "verify",
            help="Recompute the chain and check every checkpoint; exit 1 on the first bad event.",
        )
        actions.add_parser(
            "checkpoint",
            help="Verify the chain, then sign its head with the instance key and store it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            self.verify()
        else:
            self.checkpoint()

    def verify(self) -> None:
        result = verify_chain()
        if not result.ok:
            raise _broken(result)
        self.stdout.write(self.style.SUCCESS(_summary(result)))

    def checkpoint(self) -> None:
        result = verify_chain()
        if not result.ok:
            raise _broken(result)
        try:
            checkpoint = audit_checkpoint_create(actor=None)
        except ChainHeadMismatch as error:  # an event slipped in behind the application
            raise CommandError(str(error), returncode=1) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Checkpoint signed: event #%(sequence)s, hash %(hash)s, key %(key)s")
                % {
                    "sequence": checkpoint.sequence,
                    "hash": checkpoint.hash,
                    "key": checkpoint.public_key,
                }
            )
        )
