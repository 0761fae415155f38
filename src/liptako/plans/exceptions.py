"""Errors raised by the plans services (besides ``ValidationError`` and ``PermissionDenied``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.http import Http404
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class FieldConflict:
    """One field two people changed: what the current row holds and what was submitted."""

    field: str
    theirs: Any  # the value saved meanwhile (JSON-ready)
    mine: Any  # the value this editor submitted (JSON-ready)


class ConflictError(Exception):
    """The row changed since the editor loaded it (optimistic locking); nothing was saved.

    ``conflicts`` lists the submitted fields whose saved value now differs from the submitted
    one, with both values, so the page can show them and the editor loses nothing.
    """

    def __init__(
        self,
        *,
        item_uid: UUID,
        seen_version: int,
        current_version: int | None,
        mine: dict[str, Any],
        theirs: dict[str, Any],
    ) -> None:
        self.item_uid = item_uid
        self.seen_version = seen_version
        self.current_version = current_version  # None: the item was deleted meanwhile
        self.mine = mine
        self.theirs = theirs
        super().__init__(self.message)

    @property
    def is_deleted(self) -> bool:
        return self.current_version is None

    @property
    def message(self) -> str:
        if self.is_deleted:
            return _("This item was deleted by someone else while you were editing it.")
        return _(
            "Someone else saved this item while you were editing it. Your changes were not "
            "saved: compare both values below, then save again."
        )

    @property
    def conflicts(self) -> list[FieldConflict]:
        return [
            FieldConflict(field=name, theirs=self.theirs.get(name), mine=value)
            for name, value in self.mine.items()
            if self.theirs.get(name) != value
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "detail": self.message,
            "uid": str(self.item_uid),
            "seen_version": self.seen_version,
            "current_version": self.current_version,
            "conflicts": [
                {"field": c.field, "theirs": c.theirs, "mine": c.mine} for c in self.conflicts
            ],
        }


class ItemNotFound(Http404):
    """No such item in the plan for this user (missing, or inside an action they may not see).

    A subclass of ``Http404``: views and the API answer 404 without catching it, exactly as
    for an item that does not exist.
    """
