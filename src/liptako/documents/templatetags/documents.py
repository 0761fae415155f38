"""Filters of the document templates (PDF): the wording of ``documents.wording``; and the
links to a plan's documents that the plan and version pages show."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template

from liptako.documents import selectors, wording
from liptako.plans.models import Plan, PlanVersion

register = template.Library()


@register.filter
def long_date(value: date | datetime | None) -> str:
    return wording.long_date(value)


@register.filter
def long_datetime(value: datetime) -> str:
    return wording.long_datetime(value)


@register.filter
def short_date(value: date | None) -> str:
    return wording.short_date(value)


@register.filter
def amount(value: Decimal | None, currency: str = "XOF") -> str:
    return wording.amount(value, currency)


@register.inclusion_tag("documents/_version_links.html", takes_context=True)
def version_documents(context: dict[str, Any], plan: Plan, version: PlanVersion) -> dict[str, Any]:
    """Links of a frozen version: PDF, DOCX, signed bundle (once a decision is signed), the
    validation page and, once validated, the transmission letter (for who may issue it)."""
    user = context["request"].user
    return {
        "plan": plan,
        "version": version,
        "has_signatures": selectors.has_signed_decisions(version),
        "can_issue_letter": user.has_perm("documents.issue_letter")
        and selectors.is_validated(version),
    }


@register.inclusion_tag("documents/_draft_links.html")
def draft_documents(plan: Plan) -> dict[str, Any]:
    """Links of the live draft: its PDF and DOCX, and the plan's validation page."""
    return {"plan": plan}
