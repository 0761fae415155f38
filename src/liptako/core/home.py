"""The home page's sections: one per role the user holds, filled by panels apps register.

``core`` imports no domain app, so apps contribute from their ``AppConfig.ready()``::

    from liptako.core.home import HomePanel, register_home_panel

    def _awaiting_signature(request, member_state_ids):
        decisions = ...  # a selector, scoped to the user
        return HomePanel(title=_("Decisions awaiting your signature"), items=decisions, ...)

    register_home_panel(key="validation.awaiting-signature", role="validator", order=10,
                        build=_awaiting_signature)

A panel registered again under the same ``key`` replaces the earlier one, so an app that
takes over a subject (say validation for "decisions awaiting your signature") replaces the
placeholder panel of an earlier app without editing it. See docs/decisions/0013.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise

Label = str | Promise  # plain or lazily translated text


@dataclass(frozen=True)
class HomeLink:
    label: Label
    url: str


@dataclass(frozen=True)
class HomeFigure:
    """A count shown large, with what it counts ("3 member states")."""

    label: Label
    value: int
    url: str = ""


@dataclass(frozen=True)
class HomeItem:
    """One line of a panel's list: what awaits the user."""

    label: Label
    url: str = ""
    detail: Label = ""


@dataclass(frozen=True)
class HomePanel:
    """What one app shows one role on the home page."""

    title: Label
    items: Sequence[HomeItem] = ()
    empty_message: Label = ""  # shown when ``items`` is empty; no list is shown without it
    figures: Sequence[HomeFigure] = ()
    links: Sequence[HomeLink] = ()
    more_url: str = ""  # the full list, when ``items`` is its first page


# build(request, member_state_ids) -> a panel, or None to show nothing. ``member_state_ids``
# are the member states for which the user holds the role (empty for alliance-wide roles).
PanelBuilder = Callable[[HttpRequest, frozenset[int]], HomePanel | None]


@dataclass(frozen=True)
class _RoleEntry:
    role: str
    label: Label
    order: int


@dataclass(frozen=True)
class _PanelEntry:
    key: str
    role: str
    order: int
    build: PanelBuilder


@dataclass
class HomeSection:
    """One role's part of the home page, as the template receives it."""

    role: str
    label: Label
    member_state_ids: frozenset[int]
    member_state_names: list[str] = field(default_factory=list)
    panels: list[HomePanel] = field(default_factory=list)


_roles: dict[str, _RoleEntry] = {}
_panels: dict[str, _PanelEntry] = {}
_member_state_names: list[Callable[[frozenset[int]], dict[int, str]]] = []


def register_member_state_names(names: Callable[[frozenset[int]], dict[int, str]]) -> None:
    """Tell core how to name member states by id (core does not import the directory)."""
    _member_state_names[:] = [names]


def register_home_role(*, role: str, label: Label, order: int) -> None:
    """Declare a role that gets a section (``accounts`` declares the roles it defines)."""
    _roles[role] = _RoleEntry(role=role, label=label, order=order)


def register_home_panel(*, key: str, role: str, order: int, build: PanelBuilder) -> None:
    """Add (or, under an existing ``key``, replace) a panel in ``role``'s section."""
    _panels[key] = _PanelEntry(key=key, role=role, order=order, build=build)


def unregister_home_panel(key: str) -> None:
    _panels.pop(key, None)


def home_sections(request: HttpRequest, access: Any) -> list[HomeSection]:
    """The sections of the roles ``access`` holds, in role order, with their panels built.

    ``access`` is the user's ``accounts.models.Access`` (duck-typed: ``roles`` and
    ``roles_by_state``), so that ``core`` does not import ``accounts``.
    """
    sections = []
    for entry in sorted(_roles.values(), key=lambda entry: entry.order):
        if entry.role not in access.roles:
            continue
        member_state_ids = frozenset(
            state_id for state_id, roles in access.roles_by_state.items() if entry.role in roles
        )
        section = HomeSection(role=entry.role, label=entry.label, member_state_ids=member_state_ids)
        for panel_entry in sorted(
            (panel for panel in _panels.values() if panel.role == entry.role),
            key=lambda panel: (panel.order, panel.key),
        ):
            panel = panel_entry.build(request, member_state_ids)
            if panel is not None:
                section.panels.append(panel)
        sections.append(section)
    state_ids = frozenset().union(*(section.member_state_ids for section in sections))
    if state_ids and _member_state_names:
        names = _member_state_names[0](state_ids)  # one query for every section
        for section in sections:
            section.member_state_names = sorted(
                names[state_id] for state_id in section.member_state_ids if state_id in names
            )
    return sections
