"""``liptako demo``: load the AES demonstration data into an empty database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liptako.demo.loader import DemoDataExists, database_has_data, load_demo


class Command(BaseCommand):
    help = (
        "Load the demonstration data (the Alliance des États du Sahel, its directory and one "
        "account per role and member state) into an empty database. Passwords are printed "
        "once and written to $LIPTAKO_HOME/demo-accounts.txt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo's data (the whole directory) and load it again; demo "
            "accounts get new passwords.",
        )
        group.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only when the database holds no alliance; otherwise do nothing (exit 0).",
        )

    def handle(self, *args: Any, reset: bool, if_empty: bool, **options: Any) -> None:
        if if_empty and database_has_data():
            self.stdout.write("The database already holds an alliance: demo not loaded.")
            return
        try:
            result = load_demo(reset=reset)
        except DemoDataExists:
            raise CommandError(
                "The database already holds an alliance or directory data; the demo loads "
                "only into an empty database. Use `liptako demo --reset` to delete the "
                "directory and load the demo again, or `--if-empty` to skip quietly."
            ) from None
        context = result.context
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded: {context.alliance}, {len(context.member_states)} member states, "
                f"{len(context.organisations)} organisations, {len(context.people)} people, "
                f"{len(result.accounts)} accounts."
            )
        )
        width = max(len(account.username) for account in result.accounts)
        self.stdout.write("\nDemo accounts (passwords are shown this once):")
        for account in result.accounts:
            state = f" ({account.member_state_code})" if account.member_state_code else ""
            totp = f"  TOTP {account.totp_secret}" if account.totp_secret else ""
            self.stdout.write(
                f"  {account.username:<{width}}  {account.password}  {account.role}{state}{totp}"
            )
        self.stdout.write(
            f"\nWritten to {result.accounts_file} (readable by you only), with the second-factor "
            "secrets (TOTP, for an authenticator app) and recovery codes of the accounts that "
            "need one; `liptako demo_code USERNAME` prints such an account's current code."
        )
