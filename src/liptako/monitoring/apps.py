from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "liptako.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from liptako.monitoring import home, permissions  # noqa: F401 (registers rules, panels)

        home.register()
        from liptako.monitoring import audit_targets

        audit_targets.register()
