from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ValidationConfig(AppConfig):
    name = "liptako.validation"
    label = "validation"
    verbose_name = _("Validation")

    def ready(self) -> None:
        from liptako.validation import home, permissions  # noqa: F401 (registers rules)

        home.register()
        from liptako.validation import audit_targets

        audit_targets.register()
