"""Errors of the monitoring services (besides ``ValidationError`` and ``PermissionDenied``)."""

from __future__ import annotations

from django.utils.translation import gettext as _


class StaleReport(Exception):
    """The report changed since the page was loaded (or moved on in its workflow).

    Nothing was saved; the editor reloads the report and applies their change again.
    """

    def __init__(self, message: str | None = None) -> None:
        self.message = message or _(
            "Someone changed this report since you opened it: nothing was saved. "
            "Reload the page to see the current report."
        )
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message
