"""Filters of the document templates (PDF): the wording of ``documents.wording``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import template

from liptako.documents import wording

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
