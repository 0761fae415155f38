"""Template helpers of the plan pages."""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from liptako.core.marking import raise_page_marking
from liptako.core.templatetags.liptako import marking, marking_badge_html, money

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


_CHOICE_LABELS: dict[tuple[str, str], dict[str, str]] = {}


def _choice_label(item: Any, field: str) -> str:
    """The label of a choice, from a per-language table (``get_FOO_display`` per row is slow)."""
    key = (get_language() or "", f"{item._meta.label}.{field}")
    labels = _CHOICE_LABELS.get(key)
    if labels is None:
        choices = item._meta.get_field(field).flatchoices
        labels = _CHOICE_LABELS[key] = {str(value): str(label) for value, label in choices}
    value = getattr(item, field)
    return labels.get(value, value)


_LABELS: dict[str, dict[str, str]] = {}


def _labels() -> dict[str, str]:
    """The rows' fixed words, escaped, translated once per language (not once per row)."""
    key = get_language() or ""
    labels = _LABELS.get(key)
    if labels is None:
        words = {
            "lead": _("Lead:"),
            "partners": _("Partners:"),
            "target": _("Target:"),
            "due": _("Due:"),
            "edit": _("Edit"),
            "children": _("See its indicators and milestones"),
            "restricted": _("Restricted action: you may not see its content."),
        }
        labels = _LABELS[key] = {name: escape(str(word)) for name, word in words.items()}
    return labels


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
    uid = escape(str(item.uid))
    parts = [f'<div class="item-row item-{escape(kind)}" id="row-{uid}">']
    code = escape(getattr(item, "code", ""))
    if kind != "milestone":
        parts.append(f'<span class="code">{code}</span> ')
    parts.append(f'<a class="item-title" href="{url}">{escape(item_label(item))}</a> ')
    meta: list[str] = []
    labels = _labels()
    if kind == "action":
        parts.append(_action_marking(context, item.classification))
        meta.append(
            f"<span>{labels['lead']} <strong>{escape(item.lead_state.code)}</strong></span>"
        )
        partners = partner_states(item)
        if partners:
            codes = ", ".join(state.code for state in partners)
            meta.append(f"<span>{labels['partners']} {escape(codes)}</span>")
        start = item.start_date.strftime("%d/%m/%Y")
        end = item.end_date.strftime("%d/%m/%Y")
        meta.append(f"<span>{start} → {end}</span>")
        if item.budget_amount is not None:
            meta.append(f"<span>{escape(money(item.budget_amount, item.budget_currency))}</span>")
        meta.append(
            f'<span class="tag priority-{escape(item.priority)}">'
            f"{escape(_choice_label(item, 'priority'))}</span>"
        )
        if item.responsible_organisation_id:
            meta.append(f"<span>{escape(str(item.responsible_organisation))}</span>")
    elif kind == "indicator":
        meta.append(f"<span>{escape(_choice_label(item, 'measure'))}</span>")
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


_SUMMARIES: dict[tuple[str, int, int], str] = {}


@register.simple_tag
def children_summary(entry: Any) -> str:
    """ "2 indicateurs, 1 jalon" for an action entry of the outline (its counts: the lists
    themselves load when the action is opened). Cached per language and counts."""
    indicators, milestones = entry.indicator_count, entry.milestone_count
    key = (get_language() or "", indicators, milestones)
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


@register.simple_tag(takes_context=True)
def outline_action(context: Any, entry: Any) -> SafeString:
    """A visible action's line of the outline: its row, then a collapsed block counting its
    indicators and milestones, which HTMX fills from the action's URL
    (``?partie=enfants``) when it is first opened; without JavaScript the block links to
    the action's page, which lists them (docs/decisions/0054). In Python, as
    :func:`outline_row`: the outline prints one per action."""
    row = outline_row(context, entry.action, "action", entry.open_comments)
    if not (entry.indicator_count or entry.milestone_count or context.get("can_edit")):
        return SafeString(f'<li class="outline-action">{row}</li>')
    url = escape(item_path(context["plan_url"], entry.action))
    link = _labels()["children"]
    return SafeString(
        f'<li class="outline-action">{row}'
        f'<details class="action-children" hx-get="{url}?partie=enfants" '
        'hx-trigger="toggle once" hx-target="find .children-slot" hx-swap="outerHTML">'
        f"<summary>{escape(children_summary(entry))}</summary>"
        f'<p class="children-slot"><a href="{url}#children">{link}</a></p></details></li>'
    )


@register.simple_tag(takes_context=True)
def outline_actions(context: Any, entries: Any) -> SafeString:
    """The ``<li>`` lines of an objective's actions in the outline: :func:`outline_action` for
    a visible one, its code and marking for a hidden one. One tag per objective rather than a
    template loop: the loop's per-row tags and conditions cost as much as the rows."""
    restricted = _labels()["restricted"]
    lines = []
    for entry in entries:
        if entry.is_redacted:
            lines.append(
                f'<li class="redacted-line"><span class="code">{escape(entry.code)}</span> '
                f"{marking_badge_html(entry.classification)} {restricted}</li>"
            )
        else:
            lines.append(outline_action(context, entry))
    return SafeString("\n".join(lines))


_COUNTS: dict[tuple[str, str, int], str] = {}


@register.simple_tag
def count_label(kind: str, count: int) -> str:
    """ "3 objectifs", "1 action": the outline's counts, translated once per language, kind and
    number (a ``{% blocktranslate count %}`` per axis and objective is slow)."""
    key = (get_language() or "", kind, count)
    label = _COUNTS.get(key)
    if label is None:
        if kind == "objective":
            text = ngettext("%(counter)s objective", "%(counter)s objectives", count)
        else:
            text = ngettext("%(counter)s action", "%(counter)s actions", count)
        label = _COUNTS[key] = text % {"counter": count}
    return label
