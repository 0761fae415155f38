from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AllianceConfig(AppConfig):
    name = "liptako.alliance"
    label = "alliance"
    verbose_name = _("Alliance")

    def ready(self) -> None:
        # Registers the alliance.* rules (rules' autodiscovery only loads rules.py).
        from liptako.alliance import permissions  # noqa: F401
