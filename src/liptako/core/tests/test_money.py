"""Amounts as the pages print them: the language's grouping and decimal mark, FCFA for XOF/XAF."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation

from liptako.core.templatetags.liptako import money, money_formatter


def test_money_follows_the_active_language():
    with translation.override("fr"):
        assert money(Decimal("1250000")) == "1\xa0250\xa0000\xa0FCFA"
        assert money(Decimal("1234.5"), "EUR") == "1\xa0234,50\xa0EUR"
    with translation.override("en"):
        assert money(Decimal("1250000"), "XAF") == "1,250,000\xa0FCFA"
        assert money(Decimal("1234.5"), "EUR") == "1,234.50\xa0EUR"
    assert money(None) == ""


def test_a_formatter_keeps_the_language_it_was_made_in():
    with translation.override("fr"):
        format_money = money_formatter()
    with translation.override("en"):
        assert format_money(Decimal("1234.5"), "EUR") == "1\xa0234,50\xa0EUR"
