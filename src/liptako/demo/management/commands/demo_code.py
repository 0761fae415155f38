"""``liptako demo_code USERNAME``: the current second-factor code of a DEMO account.

For reviewers without an authenticator app at hand (docs/decisions/0153-demo-second-factor.md).
It answers only for the demo's own accounts (a demo username and the demo's undeliverable
address), whose secrets are in demo-accounts.txt already; any other account is refused, so it
opens nothing that the file does not.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from liptako.demo.accounts import DEMO_EMAIL_DOMAIN, demo_usernames


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (demo accounts only)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        device = (
            TOTPDevice.objects.filter(
                user__username=username,
                user__email__endswith=f"@{DEMO_EMAIL_DOMAIN}",
                confirmed=True,
            ).first()
            if username in demo_usernames()
            else None
        )
        if device is None:
            raise CommandError(
                _("“%(username)s” is not a demo account with a second factor.")
                % {"username": username}
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
