"""The validation objects a journal reader may see (audit/visibility.py): those of visible
plans (signing keys belong to people, not to a plan: always shown)."""

from __future__ import annotations

from typing import Any

from liptako.audit.visibility import register_target_visibility
from liptako.plans.audit_targets import visible_plans
from liptako.validation.models import Decision, IssuedStatement, VersionState


def _of_visible_versions(model: Any) -> Any:
    return lambda user: model.objects.filter(version__plan__in=visible_plans(user))


def register() -> None:
    register_target_visibility(
        "validation.versionstate",
        lambda user: VersionState.objects.filter(plan__in=visible_plans(user)),
    )
    for model in (Decision, IssuedStatement):
        register_target_visibility(model._meta.label_lower, _of_visible_versions(model))
