"""Pages of the alliance directory (/annuaire/): thin views over selectors and services."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from liptako.alliance import selectors, services
from liptako.alliance.forms import (
    ALLIANCE_BODIES,
    MemberStateForm,
    OrganisationFilterForm,
    OrganisationForm,
    PersonFilterForm,
    PersonForm,
    PositionEndForm,
    PositionForm,
    VersionedForm,
    apply_service_errors,
)
from liptako.alliance.permissions import (
    access_member_state,
    access_organisation,
    access_person,
    access_position,
    may_change_directory,
    require_change_directory,
    require_view_directory,
)


def _page(request: HttpRequest, queryset: QuerySet[Any]) -> Page[Any]:
    return Paginator(queryset, settings.PAGE_SIZE).get_page(request.GET.get("page"))


def _sort_links(current: str, keys: list[str]) -> dict[str, str]:
    """For each sortable column, the sort its header link applies (a second click reverses)."""
    return {key: f"-{key}" if current == key else key for key in keys}


def _list_response(
    request: HttpRequest, page_template: str, fragment_template: str, context: dict[str, Any]
) -> HttpResponse:
    """One URL, two renderings: the results fragment for the search box (HTMX), the full
    page otherwise (including htmx's history restore, which needs the whole page)."""
    htmx = request.htmx  # type: ignore[attr-defined]
    is_fragment = bool(htmx) and not htmx.history_restore_request
    response = render(request, fragment_template if is_fragment else page_template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _flags(request: HttpRequest) -> dict[str, Any]:
    return {"can_edit": may_change_directory(request.user)}


# --- Overview and member states -------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    require_view_directory(request.user)
    context = {
        "alliance": selectors.alliance_for_user(user=request.user),
        "member_states": selectors.member_state_list_for_user(user=request.user),
        "alliance_bodies": selectors.alliance_body_list_for_user(user=request.user),
        **_flags(request),
    }
    return render(request, "alliance/index.html", context)


@require_GET
def member_state_detail(request: HttpRequest, code: str) -> HttpResponse:
    member_state = access_member_state(request.user, code)
    organisations = selectors.organisation_list_for_user(
        user=request.user,
        filters=selectors.OrganisationFilters(member_state=member_state, sort="name"),
    )
    roots = selectors.forest(list(organisations))
    people = _page(
        request,
        selectors.person_list_for_member_state(user=request.user, member_state=member_state),
    )
    context = {"member_state": member_state, "roots": roots, "people": people, **_flags(request)}
    return render(request, "alliance/member_state_detail.html", context)


@require_http_methods(["GET", "POST"])
def member_state_create(request: HttpRequest) -> HttpResponse:
    require_view_directory(request.user)
    require_change_directory(request.user)
    alliance = selectors.alliance_for_user(user=request.user)
    if alliance is None:
        messages.error(request, _("No alliance is configured yet (run liptako demo)."))
        return redirect("alliance:index")
    form = MemberStateForm(request.POST or None, initial={"timezone": "Africa/Bamako"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member_state = services.member_state_create(
                actor=request.user,  # type: ignore[arg-type]
                alliance=alliance,
                code=data["code"].strip(),
                name=data["name"],
                capital=data["capital"],
                timezone=data["timezone"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Member state added."))
            return redirect("alliance:member-state", code=member_state.code)
    return render(request, "alliance/form.html", {"form": form, "title": _("Add a member state")})


@require_http_methods(["GET", "POST"])
def member_state_update(request: HttpRequest, code: str) -> HttpResponse:
    member_state = access_member_state(request.user, code, write=True)
    initial = {
        "name": member_state.name,
        "capital": member_state.capital,
        "timezone": member_state.timezone,
        "version": VersionedForm.version_of(member_state),
    }
    form = MemberStateForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.member_state_update(
                actor=request.user,  # type: ignore[arg-type]
                member_state=member_state,
                expected_updated_at=form.expected_updated_at(),
                name=data["name"],
                capital=data["capital"],
                timezone=data["timezone"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Member state saved."))
            return redirect("alliance:member-state", code=member_state.code)
    title = _("Edit %(name)s") % {"name": member_state.name}
    return render(
        request, "alliance/form.html", {"form": form, "title": title, "cancel": member_state}
    )


# --- Organisations --------------------------------------------------------------------------


def _organisation_filters(
    request: HttpRequest,
) -> tuple[OrganisationFilterForm, selectors.OrganisationFilters]:
    member_states = list(selectors.member_state_list_for_user(user=request.user))
    form = OrganisationFilterForm(request.GET or None, member_states=member_states)
    filters = selectors.OrganisationFilters()
    if form.is_valid():
        state_code = form.cleaned_data["member_state"]
        filters = selectors.OrganisationFilters(
            q=form.cleaned_data["q"],
            member_state=form.member_states.get(state_code),
            alliance_bodies_only=state_code == ALLIANCE_BODIES,
            kind=form.cleaned_data["kind"],
            sort=form.cleaned_data["sort"],
        )
    return form, filters


def _person_filters(request: HttpRequest) -> tuple[PersonFilterForm, selectors.PersonFilters]:
    form = PersonFilterForm(request.GET or None)
    filters = selectors.PersonFilters()
    if form.is_valid():
        filters = selectors.PersonFilters(**form.cleaned_data)
    return form, filters


class _Echo:
    """A file-like sink for ``csv.writer`` that hands each row back (for streaming)."""

    def write(self, value: str) -> str:
        return value


def _csv_response(
    filename: str, header: list[str], rows: Iterator[list[Any]]
) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # so that spreadsheet programs read UTF-8
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    require_view_directory(request.user)
    form, filters = _organisation_filters(request)
    page = _page(request, selectors.organisation_list_for_user(user=request.user, filters=filters))
    sorts = _sort_links(filters.sort, ["name", "state", "kind"])
    context = {"form": form, "page": page, "sorts": sorts, **_flags(request)}
    return _list_response(
        request, "alliance/organisation_list.html", "alliance/_organisation_results.html", context
    )


@require_GET
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = access_organisation(request.user, pk)
    context = {
        "organisation": organisation,
        "ancestors": selectors.organisation_ancestors(organisation=organisation),
        "tree": selectors.organisation_tree(user=request.user, root=organisation),
        "current_positions": selectors.position_list_for_organisation(
            user=request.user, organisation=organisation
        ),
        "past_positions": _page(
            request,
            selectors.position_list_for_organisation(
                user=request.user, organisation=organisation, current=False
            ),
        ),
        **_flags(request),
    }
    return render(request, "alliance/organisation_detail.html", context)


@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    require_view_directory(request.user)
    require_change_directory(request.user)
    alliance = selectors.alliance_for_user(user=request.user)
    if alliance is None:
        messages.error(request, _("No alliance is configured yet (run liptako demo)."))
        return redirect("alliance:index")
    initial = {"member_state": request.GET.get("etat", ""), "parent": request.GET.get("parent")}
    form = OrganisationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = services.organisation_create(
                actor=request.user,  # type: ignore[arg-type]
                alliance=alliance,
                member_state=data["member_state"],
                parent=data["parent"],
                kind=data["kind"],
                name=data["name"],
                acronym=data["acronym"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Organisation added."))
            return redirect("alliance:organisation", pk=organisation.pk)
    return render(request, "alliance/form.html", {"form": form, "title": _("Add an organisation")})


@require_http_methods(["GET", "POST"])
def organisation_update(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = access_organisation(request.user, pk, write=True)
    initial = {
        "parent": organisation.parent_id,
        "kind": organisation.kind,
        "name": organisation.name,
        "acronym": organisation.acronym,
        "version": VersionedForm.version_of(organisation),
    }
    form = OrganisationForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.organisation_update(
                actor=request.user,  # type: ignore[arg-type]
                organisation=organisation,
                expected_updated_at=form.expected_updated_at(),
                parent=data["parent"],
                kind=data["kind"],
                name=data["name"],
                acronym=data["acronym"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Organisation saved."))
            return redirect("alliance:organisation", pk=organisation.pk)
    title = _("Edit %(name)s") % {"name": organisation.name}
    return render(
        request, "alliance/form.html", {"form": form, "title": title, "cancel": organisation}
    )


# --- People and positions -------------------------------------------------------------------


@require_GET
def organisation_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered organisations as CSV (what the list shows, every page)."""
    require_view_directory(request.user)
    _form, filters = _organisation_filters(request)
    organisations = selectors.organisation_list_for_user(user=request.user, filters=filters)
    header = [_("Name"), _("Acronym"), _("Kind"), _("Member state"), _("Part of")]
    rows = (
        [
            organisation.name,
            organisation.acronym,
            organisation.get_kind_display(),
            organisation.member_state.code if organisation.member_state else "",
            organisation.parent.name if organisation.parent else "",
        ]
        for organisation in organisations.iterator(chunk_size=500)
    )
    return _csv_response("organisations.csv", header, rows)


@require_GET
def person_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered people as CSV, with their current positions."""
    require_view_directory(request.user)
    _form, filters = _person_filters(request)
    people = selectors.person_list_for_user(user=request.user, filters=filters)
    header = [
        _("Last name"),
        _("First name"),
        _("Rank"),
        _("Civil title"),
        _("Member state"),
        _("Email"),
        _("Current positions"),
    ]
    rows = (
        [
            person.last_name,
            person.first_name,
            person.get_rank_display() if person.rank else "",
            person.title,
            person.member_state.code if person.member_state else "",
            person.email,
            "; ".join(
                f"{position.title} ({position.organisation})"
                for position in person.current_positions  # type: ignore[attr-defined]
            ),
        ]
        for person in people.iterator(chunk_size=500)
    )
    return _csv_response("personnes.csv", header, rows)


@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    require_view_directory(request.user)
    form, filters = _person_filters(request)
    page = _page(request, selectors.person_list_for_user(user=request.user, filters=filters))
    sorts = _sort_links(filters.sort, ["name", "rank", "state"])
    context = {"form": form, "page": page, "sorts": sorts, **_flags(request)}
    return _list_response(
        request, "alliance/person_list.html", "alliance/_person_results.html", context
    )


@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    positions = selectors.position_list_for_person(user=request.user, person=person)
    context = {"person": person, "positions": positions, **_flags(request)}
    return render(request, "alliance/person_detail.html", context)


def _person_service_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "first_name": data["first_name"],
        "last_name": data["last_name"],
        "member_state": data["member_state"],
        "rank": data["rank"],
        "title": data["title"],
        "email": data["email"],
        "user": data["user"],
    }


@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    require_view_directory(request.user)
    require_change_directory(request.user)
    form = PersonForm(request.POST or None, initial={"member_state": request.GET.get("etat")})
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(
                actor=request.user,  # type: ignore[arg-type]
                **_person_service_arguments(form.cleaned_data),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Person added."))
            return redirect("alliance:person", pk=person.pk)
    return render(request, "alliance/form.html", {"form": form, "title": _("Add a person")})


@require_http_methods(["GET", "POST"])
def person_update(request: HttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk, write=True)
    initial = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "member_state": person.member_state.code if person.member_state else "",
        "rank": person.rank or "",
        "title": person.title,
        "email": person.email,
        "user": person.user.username if person.user else "",
        "version": VersionedForm.version_of(person),
    }
    form = PersonForm(request.POST or None, initial=initial, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(
                actor=request.user,  # type: ignore[arg-type]
                person=person,
                expected_updated_at=form.expected_updated_at(),
                **_person_service_arguments(form.cleaned_data),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Person saved."))
            return redirect("alliance:person", pk=person.pk)
    title = _("Edit %(name)s") % {"name": person.display_name}
    return render(request, "alliance/form.html", {"form": form, "title": title, "cancel": person})


@require_http_methods(["GET", "POST"])
def position_create(request: HttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk, write=True)
    form = PositionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.position_create(
                actor=request.user,  # type: ignore[arg-type]
                person=person,
                organisation=data["organisation"],
                title=data["title"],
                start_date=data["start_date"],
                end_date=data["end_date"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Position added."))
            return redirect("alliance:person", pk=person.pk)
    title = _("New position for %(name)s") % {"name": person.display_name}
    return render(request, "alliance/form.html", {"form": form, "title": title, "cancel": person})


@require_http_methods(["GET", "POST"])
def position_update(request: HttpRequest, pk: int) -> HttpResponse:
    position = access_position(request.user, pk, write=True)
    initial = {
        "organisation": position.organisation_id,
        "title": position.title,
        "start_date": position.start_date,
        "end_date": position.end_date,
        "version": VersionedForm.version_of(position),
    }
    form = PositionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.position_update(
                actor=request.user,  # type: ignore[arg-type]
                position=position,
                expected_updated_at=form.expected_updated_at(),
                organisation=data["organisation"],
                title=data["title"],
                start_date=data["start_date"],
                end_date=data["end_date"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Position saved."))
            return redirect("alliance:person", pk=position.person_id)
    title = _("Edit the position %(title)s") % {"title": position.title}
    context = {"form": form, "title": title, "cancel": position.person}
    return render(request, "alliance/form.html", context)


@require_http_methods(["GET", "POST"])
def position_end(request: HttpRequest, pk: int) -> HttpResponse:
    position = access_position(request.user, pk, write=True)
    form = PositionEndForm(
        request.POST or None, initial={"version": VersionedForm.version_of(position)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.position_end(
                actor=request.user,  # type: ignore[arg-type]
                position=position,
                end_date=form.cleaned_data["end_date"],
                expected_updated_at=form.expected_updated_at(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Position ended."))
            return redirect("alliance:person", pk=position.person_id)
    title = _("End the position %(title)s") % {"title": position.title}
    context = {"form": form, "title": title, "cancel": position.person}
    return render(request, "alliance/form.html", context)
