from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "liptako.plans"
    label = "plans"
    verbose_name = _("Plans")

    def ready(self) -> None:
        # Registers the plans.* rules (rules' autodiscovery only loads modules named rules.py).
        from liptako.plans import (
            audit_targets,
            permissions,  # noqa: F401
        )

        audit_targets.register()
