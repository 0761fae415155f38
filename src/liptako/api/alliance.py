"""API operations of the alliance app (thin adapters over its services and selectors).

No ``from __future__ import annotations`` here: django-ninja reads the parameter types of
the paginated operations at run time, through the pagination wrapper.
"""

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from liptako.alliance import selectors
from liptako.alliance.models import MemberState, Organisation, OrganisationKind, Person
from liptako.alliance.permissions import access_person, require_view_directory

router = Router(tags=["alliance"])


class ErrorOut(Schema):
    detail: str


class MemberStateOut(Schema):
    id: int
    code: str
    name: str
    capital: str
    timezone: str


class OrganisationOut(Schema):
    id: int
    name: str
    acronym: str
    kind: str
    member_state: str | None
    parent_id: int | None

    @staticmethod
    def resolve_member_state(organisation: Organisation) -> str | None:
        return organisation.member_state.code if organisation.member_state else None


class PositionOut(Schema):
    id: int
    title: str
    organisation_id: int
    organisation: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    is_current: bool

    @staticmethod
    def resolve_organisation(position: Any) -> str:
        return str(position.organisation)


class PersonOut(Schema):
    id: int
    display_name: str
    first_name: str
    last_name: str
    rank: int | None
    rank_label: str
    title: str
    member_state: str | None

    @staticmethod
    def resolve_rank_label(person: Person) -> str:
        return person.get_rank_display() if person.rank else ""

    @staticmethod
    def resolve_member_state(person: Person) -> str | None:
        return person.member_state.code if person.member_state else None


class PersonSummaryOut(PersonOut):
    current_positions: list[PositionOut]


class PersonDetailOut(PersonOut):
    email: str
    positions: list[PositionOut]

    @staticmethod
    def resolve_positions(person: Any) -> list[Any]:
        # Loaded by the operation through the selector (ordered: current first).
        return list(person.position_history)


def _user(request: HttpRequest) -> Any:
    """The caller: what the API's authentication returned, else the session's user."""
    auth = getattr(request, "auth", None)
    return auth if getattr(auth, "is_authenticated", False) else request.user


def _require_directory(request: HttpRequest) -> Any:
    user = _user(request)
    try:
        require_view_directory(user)
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    return user


def _member_state(code: str | None) -> MemberState | None:
    if not code:
        return None
    member_state = MemberState.objects.filter(code=code.upper()).first()
    if member_state is None:
        raise HttpError(404, _("Unknown member state: %(code)s") % {"code": code})
    return member_state


@router.get(
    "/member-states",
    response={200: list[MemberStateOut], 403: ErrorOut},
    summary="The member states of the alliance",
)
def list_member_states(request: HttpRequest) -> Any:
    user = _require_directory(request)
    return list(selectors.member_state_list_for_user(user=user))


@router.get(
    "/organisations",
    response={200: list[OrganisationOut], 403: ErrorOut, 404: ErrorOut},
    summary="Organisations, filtered by member state (ISO code, or AES for the alliance's "
    "bodies) and kind",
)
@paginate(PageNumberPagination, page_size=settings.PAGE_SIZE)
def list_organisations(
    request: HttpRequest,
    member_state: str | None = None,
    kind: OrganisationKind | None = None,
    q: str = "",
) -> Any:
    user = _require_directory(request)
    bodies_only = (member_state or "").upper() == "AES"
    filters = selectors.OrganisationFilters(
        q=q,
        member_state=None if bodies_only else _member_state(member_state),
        alliance_bodies_only=bodies_only,
        kind=kind.value if kind else "",
    )
    return selectors.organisation_list_for_user(user=user, filters=filters)


@router.get(
    "/people",
    response={200: list[PersonSummaryOut], 403: ErrorOut, 404: ErrorOut},
    summary="People of the directory (accent-insensitive search in q)",
)
@paginate(PageNumberPagination, page_size=settings.PAGE_SIZE)
def list_people(request: HttpRequest, q: str = "", member_state: str | None = None) -> Any:
    user = _require_directory(request)
    filters = selectors.PersonFilters(q=q, member_state=_member_state(member_state))
    return selectors.person_list_for_user(user=user, filters=filters)


@router.get(
    "/people/{person_id}",
    response={200: PersonDetailOut, 404: ErrorOut},
    summary="One person and the positions they held over time",
)
def get_person(request: HttpRequest, person_id: int) -> Any:
    user = _user(request)
    try:
        person = access_person(user, person_id)
    except Http404:
        raise HttpError(404, _("No such person.")) from None
    person.position_history = selectors.position_list_for_person(  # type: ignore[attr-defined]
        user=user, person=person
    )
    return person
