"""Who may read the audit log: the secretariat, and nobody else.

``audit`` imports no domain app (STYLE.md §1), so the predicate reads ``user.access`` duck-typed
and names the role by its value. Checked with ``rules.has_perm`` (the rule set itself) rather than
``user.has_perm``: Django grants every permission to a superuser, and a technical account must
not read the log by that back door (the admin role sees no content by role alone).
"""

from __future__ import annotations

from typing import Any

import rules
from django.core.exceptions import PermissionDenied
from django.http import Http404

from liptako.audit.models import AuditEvent
from liptako.audit.visibility import events_visible_to

SECRETARIAT = "secretariat"  # accounts.models.Role.SECRETARIAT


@rules.predicate
def is_secretariat(user: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "is_active", False):
        return False
    access = getattr(user, "access", None)
    return access is not None and bool(access.has_role(SECRETARIAT))


rules.add_perm("audit.view_log", is_secretariat)


def can_view_log(user: Any) -> bool:
    return bool(rules.has_perm("audit.view_log", user))


def require_view_log(user: Any) -> None:
    """403 for anyone but the secretariat (the login middleware has already sent the
    anonymous to the login page)."""
    if not can_view_log(user):
        raise PermissionDenied


def access_audit_event(user: Any, sequence: int) -> AuditEvent:
    """The event numbered ``sequence``: 403 for anyone but the secretariat, 404 if missing or
    if its target is hidden from ``user``."""
    require_view_log(user)
    try:
        return events_visible_to(AuditEvent.objects.all(), user).get(sequence=sequence)
    except AuditEvent.DoesNotExist:
        raise Http404 from None
