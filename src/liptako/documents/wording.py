"""How dates and amounts read in the documents (the active language's formats)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from django.utils.formats import date_format

from liptako.core.templatetags.liptako import money


def long_date(value: date | datetime | None) -> str:
    """``6 novembre 2024`` / ``6 November 2024``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(UTC).date()
    return date_format(value, "j F Y")


def long_datetime(value: datetime) -> str:
    """``6 novembre 2024, 10:15 UTC``: signing times are given in UTC, unambiguous for all."""
    moment = value.astimezone(UTC)
    return f"{date_format(moment.date(), 'j F Y')}, {moment:%H:%M} UTC"


def short_date(value: date | None) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value is not None else ""


def amount(value: Decimal | None, currency: str) -> str:
    """``1 250 000 FCFA``; empty when the action is not costed."""
    return money(value, currency)
