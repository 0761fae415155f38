from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "liptako.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Registers the rules (accounts.*), the audit adapters of the auth signals, the
        # home-page sections of each role and the passkeys' deploy check.
        from liptako.accounts import checks, home, permissions, signals  # noqa: F401

        home.register()
