"""Which journal rows a reader may see: those whose target the reader may see.

The log records the target's label and a payload (titles, changes) for every change. A member
of the secretariat cleared for DR must not read, in the journal, the title of a plan marked C
that every other page hides from them (docs/decisions/0171-audit-rows-follow-their-target.md).

``audit`` imports no domain app (STYLE.md §1): each app registers, in its ``AppConfig.ready``,
how to find the objects of its types that a user may see (a queryset built on ``visible_to``).
Targets of a type nobody registered (accounts, the directory: no marking) stay visible.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from liptako.audit.models import AuditEvent

# target_type ("plans.action") -> user -> queryset of the objects of that type the user sees
VisibleObjects = Callable[[Any], QuerySet[Any]]
_REGISTRY: dict[str, VisibleObjects] = {}


def register_target_visibility(target_type: str, visible: VisibleObjects) -> None:
    """Declare how to find the objects of ``target_type`` (a model's ``label_lower``) that a
    user may see. Called by the domain apps when they are ready."""
    _REGISTRY[target_type] = visible


def registered_target_types() -> list[str]:
    return sorted(_REGISTRY)


def events_visible_to(events: QuerySet[AuditEvent], user: Any) -> QuerySet[AuditEvent]:
    """``events`` without the rows whose target is hidden from ``user`` (one SQL query: each
    registered type adds a subquery)."""
    for target_type, visible in _REGISTRY.items():
        ids = (
            visible(user)
            .annotate(audit_target_id=Cast("pk", CharField()))
            .values("audit_target_id")
        )
        events = events.filter(~Q(target_type=target_type) | Q(target_id__in=ids))
    return events
