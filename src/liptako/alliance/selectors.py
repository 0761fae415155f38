"""Reads of the alliance directory, scoped to the user and with their related rows loaded.

The directory carries no marking; what scopes it is whether the user may read it at all
(``alliance.view_directory``): a user who may not gets empty querysets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from liptako.alliance.models import (
    Alliance,
    MemberState,
    Organisation,
    Person,
    Position,
)
from liptako.alliance.permissions import may_view_directory
from liptako.alliance.search import search_words

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from liptako.accounts.models import User

    AnyUser = User | AnonymousUser


# Sort keys offered to users (the name in the query string → the ORM ordering).
# Names sort on the folded search column, so "État-major" sorts with the E's and "ÉCHANTILLON"
# before "FICTIF" on every database (a person's column starts with the last name).
PERSON_SORTS: dict[str, list[str]] = {
    "name": ["search_text", "id"],
    "-name": ["-search_text", "-id"],
    "rank": ["rank", "search_text", "id"],
    "-rank": ["-rank", "search_text", "id"],
    "state": ["member_state__name", "search_text", "id"],
    "-state": ["-member_state__name", "search_text", "id"],
}
ORGANISATION_SORTS: dict[str, list[str]] = {
    "name": ["search_text", "id"],
    "-name": ["-search_text", "-id"],
    "state": ["member_state__name", "search_text", "id"],
    "-state": ["-member_state__name", "search_text", "id"],
    "kind": ["kind", "search_text", "id"],
    "-kind": ["-kind", "search_text", "id"],
}


@dataclass(frozen=True)
class PersonFilters:
    q: str = ""
    member_state: MemberState | None = None
    organisation: Organisation | None = None
    rank: int | None = None
    sort: str = "name"


@dataclass(frozen=True)
class OrganisationFilters:
    q: str = ""
    member_state: MemberState | None = None
    alliance_bodies_only: bool = False
    kind: str = ""
    sort: str = "state"


@dataclass
class OrganisationNode:
    """An organisation and its sub-organisations, for the tree on an organisation's page."""

    organisation: Organisation
    children: list[OrganisationNode] = field(default_factory=list)


def _current_positions() -> Prefetch:
    return Prefetch(
        "positions",
        queryset=Position.objects.filter(end_date__isnull=True)
        .select_related("organisation")
        .order_by(F("start_date").desc(nulls_last=True), "title", "id"),
        to_attr="current_positions",
    )


def _words_filter(words: list[str], column: str = "search_text") -> Q:
    condition = Q()
    for word in words:
        condition &= Q(**{f"{column}__contains": word})
    return condition


# --- Alliance and member states -------------------------------------------------------------


def alliance_for_user(*, user: AnyUser) -> Alliance | None:
    """The deployment's alliance (the first one, there is one in practice)."""
    if not may_view_directory(user):
        return None
    return Alliance.objects.order_by("id").first()


def member_state_list_for_user(*, user: AnyUser) -> QuerySet[MemberState]:
    if not may_view_directory(user):
        return MemberState.objects.none()
    return (
        MemberState.objects.select_related("alliance")
        .annotate(
            organisation_count=_count_per_state(Organisation),
            person_count=_count_per_state(Person),
        )
        .order_by("name", "id")
    )


def _count_per_state(model: type[Organisation] | type[Person]) -> Coalesce:
    # One correlated count per row, not a join of organisations by people.
    rows = (
        model.objects.filter(member_state=OuterRef("pk"))
        .order_by()
        .values("member_state")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(rows), 0)


def alliance_body_list_for_user(*, user: AnyUser) -> QuerySet[Organisation]:
    if not may_view_directory(user):
        return Organisation.objects.none()
    return Organisation.objects.filter(member_state__isnull=True, parent__isnull=True).order_by(
        "search_text", "id"
    )


# --- Organisations --------------------------------------------------------------------------


def organisation_list_for_user(
    *, user: AnyUser, filters: OrganisationFilters | None = None
) -> QuerySet[Organisation]:
    filters = filters or OrganisationFilters()
    if not may_view_directory(user):
        return Organisation.objects.none()
    queryset = Organisation.objects.select_related("member_state", "parent")
    if filters.alliance_bodies_only:
        queryset = queryset.filter(member_state__isnull=True)
    elif filters.member_state is not None:
        queryset = queryset.filter(member_state=filters.member_state)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    words = search_words(filters.q)
    if words:
        queryset = queryset.filter(_words_filter(words))
    return queryset.order_by(*ORGANISATION_SORTS.get(filters.sort, ORGANISATION_SORTS["state"]))


def organisation_tree(*, user: AnyUser, root: Organisation) -> OrganisationNode:
    """``root`` and all its sub-organisations, loaded in one query whatever the depth."""
    node = OrganisationNode(root)
    if not may_view_directory(user):
        return node
    family = list(
        Organisation.objects.filter(
            alliance_id=root.alliance_id, member_state_id=root.member_state_id
        ).order_by("search_text", "id")
    )
    nodes = {organisation.pk: OrganisationNode(organisation) for organisation in family}
    nodes[root.pk] = node
    for organisation in family:
        if organisation.parent_id in nodes and organisation.pk != root.pk:
            nodes[organisation.parent_id].children.append(nodes[organisation.pk])
    return node


def forest(organisations: list[Organisation]) -> list[OrganisationNode]:
    """Arrange already loaded ``organisations`` into trees (roots: those whose parent is not
    in the list), keeping the list's order among siblings."""
    nodes = {organisation.pk: OrganisationNode(organisation) for organisation in organisations}
    roots: list[OrganisationNode] = []
    for organisation in organisations:
        node = nodes[organisation.pk]
        if organisation.parent_id in nodes:
            nodes[organisation.parent_id].children.append(node)
        else:
            roots.append(node)
    return roots


def organisation_ancestors(*, organisation: Organisation) -> list[Organisation]:
    """The chain of parents, nearest last (one query per level; trees are a few levels)."""
    chain: list[Organisation] = []
    parent = organisation.parent
    seen: set[int] = set()
    while parent is not None and parent.pk not in seen:
        seen.add(parent.pk)
        chain.insert(0, parent)
        parent = parent.parent
    return chain


def position_list_for_organisation(
    *, user: AnyUser, organisation: Organisation, current: bool = True
) -> QuerySet[Position]:
    if not may_view_directory(user):
        return Position.objects.none()
    queryset = Position.objects.filter(organisation=organisation, end_date__isnull=current)
    return queryset.select_related("person", "person__member_state").order_by(
        F("start_date").desc(nulls_last=True), "title", "id"
    )


# --- People ---------------------------------------------------------------------------------


def person_list_for_user(
    *, user: AnyUser, filters: PersonFilters | None = None
) -> QuerySet[Person]:
    """People matching ``filters``, each with ``current_positions`` (and their organisation).

    The search matches every word of ``q`` against the person's names, rank and title, or
    against the title or organisation of one of their positions (accent-insensitive).
    """
    filters = filters or PersonFilters()
    if not may_view_directory(user):
        return Person.objects.none()
    queryset = Person.objects.select_related("member_state")
    if filters.member_state is not None:
        queryset = queryset.filter(member_state=filters.member_state)
    if filters.rank is not None:
        queryset = queryset.filter(rank=filters.rank)
    if filters.organisation is not None:
        queryset = queryset.filter(
            Exists(
                Position.objects.filter(
                    person=OuterRef("pk"),
                    organisation=filters.organisation,
                    end_date__isnull=True,
                )
            )
        )
    words = search_words(filters.q)
    for word in words:
        in_positions = Position.objects.filter(person=OuterRef("pk")).filter(
            Q(search_text__contains=word) | Q(organisation__search_text__contains=word)
        )
        queryset = queryset.filter(Q(search_text__contains=word) | Exists(in_positions))
    ordering = PERSON_SORTS.get(filters.sort, PERSON_SORTS["name"])
    return queryset.prefetch_related(_current_positions()).order_by(*ordering)


def person_list_for_member_state(*, user: AnyUser, member_state: MemberState) -> QuerySet[Person]:
    return person_list_for_user(user=user, filters=PersonFilters(member_state=member_state))


def position_list_for_person(*, user: AnyUser, person: Person) -> QuerySet[Position]:
    """Every position the person held, current ones first, then the most recent."""
    if not may_view_directory(user):
        return Position.objects.none()
    return (
        Position.objects.filter(person=person)
        .select_related("organisation", "organisation__member_state")
        .order_by(
            F("end_date").desc(nulls_first=True),  # current ones, then the latest ended
            F("start_date").desc(nulls_last=True),
            "title",
            "id",
        )
    )


def organisation_choices(
    *, member_state: MemberState | None = None, include_alliance_bodies: bool = True
) -> QuerySet[Organisation]:
    """Organisations offered in forms (with their state, for readable labels)."""
    queryset = Organisation.objects.select_related("member_state")
    if member_state is not None:
        condition = Q(member_state=member_state)
        if include_alliance_bodies:
            condition |= Q(member_state__isnull=True)
        queryset = queryset.filter(condition)
    return queryset.order_by("member_state__name", "search_text", "id")
