from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import template
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from liptako.core.marking import raise_page_marking

register = template.Library()


@register.simple_tag(takes_context=True)
def marking(context: dict[str, Any], item: Any) -> SafeString:
    """Print an item's marking as a badge and raise the page banner to it."""
    level = getattr(item, "classification", item)
    request = context.get("request")
    if request is not None:
        raise_page_marking(request, level)
    return marking_badge_html(level)


def marking_badge_html(level: Any) -> SafeString:
    """The badge of a marking level (or of a bare code), without touching the page banner."""
    if level is None or level == "":
        return format_html("")
    if isinstance(level, str):
        return format_html('<span class="marking-badge">{}</span>', level)
    return format_html(
        '<span class="marking-badge" data-marking-level="{}" title="{}">{}</span>',
        level.pk,
        level.label,
        level.code,
    )


@register.filter
def money(amount: Decimal | int | None, currency: str = "XOF") -> str:
    """``1250000`` → ``1 250 000 FCFA`` (the locale's grouping; FCFA for XOF and XAF)."""
    return money_formatter()(amount, currency)


MoneyFormatter = Callable[[Decimal | int | None, str], str]


def money_formatter() -> MoneyFormatter:
    """:func:`money` in the active language, its separators looked up once: for lists that
    print an amount per row (``number_format`` looks up the language and three formats for
    each amount)."""
    language = get_language()
    decimal_separator = get_format("DECIMAL_SEPARATOR", language, use_l10n=True)
    grouping = get_format("NUMBER_GROUPING", language, use_l10n=True)
    thousand_separator = get_format("THOUSAND_SEPARATOR", language, use_l10n=True)

    def format_money(amount: Decimal | int | None, currency: str = "XOF") -> str:
        if amount is None:
            return ""
        symbol = {"XOF": "FCFA", "XAF": "FCFA"}.get(currency, currency)
        decimals = 0 if currency in {"XOF", "XAF"} else 2
        number = numberformat.format(
            amount,
            decimal_separator,
            decimals,
            grouping,
            thousand_separator,
            force_grouping=True,
            use_l10n=True,
        )
        return f"{number}\N{NO-BREAK SPACE}{symbol}"

    return format_money
