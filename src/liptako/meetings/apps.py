from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "liptako.meetings"
    label = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from liptako.meetings import home, permissions  # noqa: F401 - registers rules and panels

        home.register()
        from liptako.meetings import audit_targets

        audit_targets.register()
