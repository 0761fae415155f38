"""Template helpers of the plan pages."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from liptako.core.marking import raise_page_marking
from liptako.core.templatetags.liptako import (
    MoneyFormatter,
    marking,
    marking_badge_html,
    money_formatter,
)
from liptako.plans.models import Action, Indicator
from liptako.plans.selectors import ObjectiveNode, OutlineAction, OutlineEntry

register = template.Library()


@register.simple_tag
def marking_badge(level: Any) -> SafeString:
    """A marking badge that does NOT raise the page banner.

    For lines that show only that something is marked (a redacted action: its code and
    marking), the page does not hold that content, so its banner is not raised."""
    return marking_badge_html(getattr(level, "classification", level))


@register.filter
def item_label(item: Any) -> str:
    """An item's title (or an indicator's name)."""
    return str(getattr(item, "title", None) or getattr(item, "name", "") or "")


@register.filter
def partner_states(action: Any) -> list[Any]:
    """An action's partner states: the list the outline selector attached (no query), or the
    relation (a single row rendered after a save)."""
    attached = getattr(action, "partner_state_list", None)
    if attached is not None:
        return list(attached)
    return sorted(action.partner_states.all(), key=lambda state: state.code)


@register.filter
def item_path(plan_url: str, item: Any) -> str:
    """``/plans/<plan>/elements/<item>/`` from the plan's URL, without a ``reverse`` per row
    (the outline shows up to thousands of rows)."""
    return f"{plan_url}elements/{item.uid}/"


_CHOICE_LABELS: dict[tuple[str, type[Action] | type[Indicator], str], dict[str, str]] = {}


def _choice_label(
    language: str, model: type[Action] | type[Indicator], field: str, value: str
) -> str:
    """The label of a choice, from a per-language table (``get_FOO_display`` per row is slow)."""
    key = (language, model, field)
    labels = _CHOICE_LABELS.get(key)
    if labels is None:
        choices = model._meta.get_field(field).flatchoices  # type: ignore[union-attr]
        labels = _CHOICE_LABELS[key] = {str(choice): str(label) for choice, label in choices}
    return labels.get(value, value)


_LABELS: dict[str, dict[str, str]] = {}


def _labels(key: str) -> dict[str, str]:
    """The rows' fixed words in language ``key``, escaped, translated once per language (not
    once per row)."""
    labels = _LABELS.get(key)
    if labels is None:
        words = {
            "lead": _("Lead:"),
            "partners": _("Partners:"),
            "target": _("Target:"),
            "due": _("Due:"),
            "edit": _("Edit"),
            "children": _("See its indicators and milestones"),
            "add_action": _("Add an action"),
            "restricted": _("Restricted action: you may not see its content."),
        }
        labels = _LABELS[key] = {name: escape(str(word)) for name, word in words.items()}
    return labels


@dataclass(frozen=True)
class _Words:
    """What rows print alike in the active language, looked up once per tag rather than once
    per row: ``get_language()`` reads a context-local, and the outline's rows called it some
    650 times per page (a twentieth of the request)."""

    language: str
    labels: dict[str, str]

    @cached_property
    def money(self) -> MoneyFormatter:
        """Only action rows print amounts: the other rows spare the format lookups."""
        return money_formatter()


def _words() -> _Words:
    language = get_language() or ""
    return _Words(language=language, labels=_labels(language))


_BADGES: dict[tuple[str, str, str], str] = {}


def _action_marking(context: Any, level: Any) -> str:
    """``{% marking %}`` of an action's row (raises the page banner, prints the badge), with
    the badge built once per marking level rather than once per row."""
    key = (level.code, level.colour, level.label)
    badge = _BADGES.get(key)
    if badge is None:
        badge = _BADGES[key] = str(marking(context, level))
    else:
        request = context.get("request")
        if request is not None:
            raise_page_marking(request, level)
    return badge


@register.simple_tag(takes_context=True)
def outline_row(context: Any, item: Any, kind: str, open_comments: int = 0) -> SafeString:
    """One item's row (``id="row-<uid>"``): the outline, the item pages and the HTMX answers
    all print it, so it looks the same everywhere.

    Built with ``html.escape`` and f-strings rather than an included template or
    ``format_html``: the outline of a large plan prints thousands of rows, and those take
    seconds there (docs/decisions/0050). Every value is escaped here."""
    url = escape(item_path(context["plan_url"], item))
    return _row(context, item, kind, open_comments, _words(), url)


def _row(
    context: Any, item: Any, kind: str, open_comments: int, words: _Words, url: str
) -> SafeString:
    """:func:`outline_row` with the words and the item's escaped URL given (the outline
    looks the words up once, and uses the URL again)."""
    uid = str(item.uid)  # a UUID: nothing to escape
    parts = [f'<div class="item-row item-{escape(kind)}" id="row-{uid}">']
    code = escape(getattr(item, "code", ""))
    if kind != "milestone":
        parts.append(f'<span class="code">{code}</span> ')
    parts.append(f'<a class="item-title" href="{url}">{escape(item_label(item))}</a> ')
    meta: list[str] = []
    labels = words.labels
    if kind == "action":
        parts.append(_action_marking(context, item.classification))
        meta = _action_meta(item, words)
    elif kind == "indicator":
        measure = _choice_label(words.language, Indicator, "measure", item.measure)
        meta.append(f"<span>{escape(measure)}</span>")
        if item.target_value is not None:
            target = f"{item.target_value.normalize():f} {item.unit}".strip()
            meta.append(f"<span>{labels['target']} {escape(target)}</span>")
        elif item.target_text:
            meta.append(f"<span>{labels['target']} {escape(item.target_text)}</span>")
    elif kind == "milestone":
        due = item.due_date.strftime("%d/%m/%Y")
        meta.append(f"<span>{labels['due']} {due}</span>")
    if meta:
        parts.append(f'<span class="item-meta">{"".join(meta)}</span>')
    if open_comments:
        text = ngettext("%(counter)s open comment", "%(counter)s open comments", open_comments) % {
            "counter": open_comments
        }
        parts.append(f'<a class="comment-count" href="{url}#comments">{escape(text)}</a>')
    if context.get("can_edit"):
        parts.append(
            f'<span class="row-tools"><a href="{url}modifier/" hx-get="{url}modifier/" '
            f'hx-target="#row-{uid}" hx-swap="outerHTML">{labels["edit"]}'
            f'<span class="visually-hidden"> {code}</span></a></span>'
        )
    parts.append("</div>")
    return SafeString("".join(parts))


def _action_meta(action: Action | OutlineAction, words: _Words) -> list[str]:
    """The ``<span>``s of an action's row: of an ``Action`` (a row printed on its own) or of
    an :class:`OutlineAction` (the outline's rows, read without the relations)."""
    if isinstance(action, OutlineAction):
        lead, partners, organisation = (
            action.lead_state_code,
            action.partner_state_codes,
            action.organisation,
        )
    else:
        lead = action.lead_state.code
        partners = [state.code for state in partner_states(action)]
        organisation = str(action.responsible_organisation or "")
    labels = words.labels
    meta = [f"<span>{labels['lead']} <strong>{escape(lead)}</strong></span>"]
    if partners:
        meta.append(f"<span>{labels['partners']} {escape(', '.join(partners))}</span>")
    start = action.start_date.strftime("%d/%m/%Y")
    end = action.end_date.strftime("%d/%m/%Y")
    meta.append(f"<span>{start} → {end}</span>")
    if action.budget_amount is not None:
        meta.append(
            f"<span>{escape(words.money(action.budget_amount, action.budget_currency))}</span>"
        )
    priority = _choice_label(words.language, Action, "priority", action.priority)
    meta.append(f'<span class="tag priority-{escape(action.priority)}">{escape(priority)}</span>')
    if organisation:
        meta.append(f"<span>{escape(organisation)}</span>")
    return meta


_SUMMARIES: dict[tuple[str, int, int], str] = {}


def _children_summary(language: str, indicators: int, milestones: int) -> str:
    """ "2 indicateurs, 1 jalon": an outline action's counts (the lists themselves load when
    the action is opened). Cached per language and counts."""
    key = (language, indicators, milestones)
    summary = _SUMMARIES.get(key)
    if summary is None:
        summary = _SUMMARIES[key] = ", ".join(
            (
                ngettext("%(counter)s indicator", "%(counter)s indicators", indicators)
                % {"counter": indicators},
                ngettext("%(counter)s milestone", "%(counter)s milestones", milestones)
                % {"counter": milestones},
            )
        )
    return summary


def _outline_action(context: Any, action: OutlineAction, words: _Words) -> str:
    """A visible action's line of the outline: its row, then a collapsed block counting its
    indicators and milestones, which HTMX fills from the action's URL
    (``?partie=enfants``) when it is first opened; without JavaScript the block links to
    the action's page, which lists them (docs/decisions/0054)."""
    url = escape(item_path(context["plan_url"], action))
    row = _row(context, action, "action", action.open_comments, words, url)
    if not (action.indicator_count or action.milestone_count or context.get("can_edit")):
        return f'<li class="outline-action">{row}</li>'
    summary = _children_summary(words.language, action.indicator_count, action.milestone_count)
    return (
        f'<li class="outline-action">{row}'
        f'<details class="action-children" hx-get="{url}?partie=enfants" '
        'hx-trigger="toggle once" hx-target="find .children-slot" hx-swap="outerHTML">'
        f"<summary>{escape(summary)}</summary>"
        f'<p class="children-slot"><a href="{url}#children">{words.labels["children"]}</a></p>'
        "</details></li>"
    )


def _outline_actions(context: Any, entries: list[OutlineEntry], words: _Words) -> str:
    """The ``<li>`` lines of an objective's actions: :func:`_outline_action` for a visible
    one, its code and marking for a hidden one."""
    lines = []
    for entry in entries:
        if isinstance(entry, OutlineAction):
            lines.append(_outline_action(context, entry, words))
        else:
            lines.append(
                f'<li class="redacted-line"><span class="code">{escape(entry.code)}</span> '
                f"{marking_badge_html(entry.classification)} {words.labels['restricted']}</li>"
            )
    return "\n".join(lines)


@register.simple_tag(takes_context=True)
def outline_objectives(context: Any, objectives: list[ObjectiveNode[OutlineEntry]]) -> SafeString:
    """An axis's objectives in the outline, a ``<section>`` each: the objective's row, its
    actions' lines and, for editors, the link that adds an action. One tag per axis rather
    than template loops: a loop's tags and conditions cost as much as the rows they print
    (a third of the outline's rendering). In Python, as :func:`outline_row`: the outline of
    a large plan prints thousands of lines."""
    words = _words()
    labels = words.labels
    plan_url = escape(context["plan_url"])
    can_edit = context.get("can_edit")
    sections = []
    for node in objectives:
        objective = node.objective
        url = escape(item_path(context["plan_url"], objective))
        count = _count_label(words.language, "action", len(node.actions))
        adding = (
            f'<p class="no-print"><a href="{plan_url}ajouter/action/?sous={objective.uid}">'
            f"+ {labels['add_action']}</a></p>"
            if can_edit
            else ""
        )
        sections.append(
            '<section class="outline-objective">'
            f"{_row(context, objective, 'objective', node.open_comments, words, url)}"
            '<details class="outline-children" open>'
            f"<summary>{escape(count)}</summary>"
            f'<ul class="outline-actions">{_outline_actions(context, node.actions, words)}</ul>'
            f"{adding}</details></section>"
        )
    return SafeString("\n".join(sections))


_COUNTS: dict[tuple[str, str, int], str] = {}


@register.simple_tag
def count_label(kind: str, count: int) -> str:
    """ "3 objectifs", "1 action": the outline's counts (a ``{% blocktranslate count %}`` per
    axis is slow)."""
    return _count_label(get_language() or "", kind, count)


def _count_label(language: str, kind: str, count: int) -> str:
    """:func:`count_label` in ``language``, translated once per language, kind and number."""
    key = (language, kind, count)
    label = _COUNTS.get(key)
    if label is None:
        if kind == "objective":
            text = ngettext("%(counter)s objective", "%(counter)s objectives", count)
        else:
            text = ngettext("%(counter)s action", "%(counter)s actions", count)
        label = _COUNTS[key] = text % {"counter": count}
    return label
