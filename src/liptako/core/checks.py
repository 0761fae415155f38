"""System checks of the instance's configuration (``liptako check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register(deploy=True)
def check_base_url(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Mail and calendars need the public address: without it their links point nowhere."""
    if settings.LIPTAKO_BASE_URL:
        return []
    return [
        Error(
            "LIPTAKO_BASE_URL is not set: links in mail and calendar invitations would point "
            "to http://127.0.0.1:8000.",
            hint="Set LIPTAKO_BASE_URL to the address users open, "
            "e.g. https://liptako.example.org.",
            id="liptako.E001",
        )
    ]
