from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "liptako.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        # Registers the ``audit.view_log`` rule wherever it is tested, views loaded or not.
        from liptako.audit import permissions  # noqa: F401
