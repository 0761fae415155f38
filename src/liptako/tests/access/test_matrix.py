"""The authorization matrix, generated from the URL resolver and the OpenAPI description.

1. Every route and every API operation is declared in ``registry.py`` (and nothing else is).
2. For each declared object of each route, each method, and each variant of its marking
   (C; DR; NP releasable to Niger only), every user who may not see it (by the rule of
   DESIGN.md, written again in ``world.can_see``) gets a denial identical to the one for an
   id that names nothing, and the audit log does not move.
3. Every page, list, export, document, feed and API answer that a user can read holds no
   title of an object hidden from that user.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from liptako.alliance.models import MemberState
from liptako.api.api import api
from liptako.audit.models import AuditEvent
from liptako.meetings.models import Meeting, MeetingDecision
from liptako.plans.models import Action, Plan
from liptako.tests.access.bodies import content_of, leaked, text_of
from liptako.tests.access.registry import (
    API_NON_OPERATIONS,
    API_OPERATIONS,
    WEB_ROUTES,
    Case,
    missing_value,
    parameter_value,
)
from liptako.tests.access.world import Persona, World, can_see, set_marking

pytestmark = pytest.mark.django_db

DENIALS = {401, 403, 404, 405}
# LIPTAKO_ACCESS_MATRIX=sample (the default, make test) asks, for each object, a sample of the
# users who may not see it (the secretariat and one role in turn per route); =full
# (make test-long) asks all of them; =off skips the two parametrized tests below.
MATRIX_MODE = os.environ.get("LIPTAKO_ACCESS_MATRIX", "sample")
FULL_MATRIX = MATRIX_MODE == "full"
matrix_requests = pytest.mark.skipif(
    MATRIX_MODE not in {"sample", "full"},
    reason="LIPTAKO_ACCESS_MATRIX=off: the matrix is skipped",
)
WEB_METHODS = ("GET", "POST")


@dataclass(frozen=True)
class Route:
    key: str  # URL name or operationId
    method: str
    template: str  # path with {name} placeholders
    is_api: bool

    def path(self, values: dict[str, str]) -> str:
        return self.template.format(**values)

    @property
    def parameters(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.template)


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
            yield name, prefix + str(pattern.pattern)


def _template(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def resolver_routes() -> dict[str, str]:
    """URL name -> path template, for every pattern of the resolver."""
    return {name: _template(route) for name, route in _walk(get_resolver().url_patterns)}


def openapi_operations() -> list[Route]:
    schema = api.get_openapi_schema()
    return [
        Route(operation["operationId"], method.upper(), path, is_api=True)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    ]


def all_routes() -> list[Route]:
    web = [
        Route(name, method, template, is_api=False)
        for name, template in resolver_routes().items()
        if not name.startswith("api:")
        for method in WEB_METHODS
    ]
    return web + openapi_operations()


def _declared(route: Route) -> tuple[Case, ...] | None:
    registry = API_OPERATIONS if route.is_api else WEB_ROUTES
    return registry.get(route.key)


# --- 1. Nothing escapes the matrix ---------------------------------------------------------


def test_every_route_and_operation_is_declared_in_the_matrix() -> None:
    resolver = resolver_routes()
    web_names = {name for name in resolver if not name.startswith("api:")}
    missing_web = sorted(web_names - set(WEB_ROUTES))
    operations = {route.key for route in openapi_operations()}
    missing_api = sorted(operations - set(API_OPERATIONS))
    assert not missing_web, f"routes missing from the access matrix: {missing_web}"
    assert not missing_api, f"API operations missing from the access matrix: {missing_api}"
    assert not sorted(set(WEB_ROUTES) - web_names), "declared routes that no longer exist"
    assert not sorted(set(API_OPERATIONS) - operations), "declared operations that do not exist"
    # Every URL of the API is an operation of its description (or the description itself).
    api_paths = {
        template
        for name, template in resolver.items()
        if name.startswith("api:") and name not in API_NON_OPERATIONS
    }
    stray = sorted(api_paths - {route.template for route in openapi_operations()})
    assert not stray, f"API URLs outside the OpenAPI description: {stray}"


def test_every_declared_parameter_names_a_path_parameter() -> None:
    for route in all_routes():
        cases = _declared(route) or ()
        for case in cases:
            assert case.target in route.parameters, f"{route.key}: no parameter {case.target}"


# --- 2. Hidden and missing objects get the same answer --------------------------------------

_SECRETS = re.compile(r"[A-Za-z0-9]{64}|nonce=\"[^\"]*\"|nonce-[A-Za-z0-9+/=]+")


def _request(persona: Persona, route: Route, path: str) -> Any:
    if route.is_api:
        client = Client()
        return client.generic(
            route.method,
            path,
            data=b"{}",
            content_type="application/json",
            headers=persona.headers,
        )
    # Each request starts from the persona's log-in alone: no message left in a cookie by an
    # earlier request (it would show on the next page), and no new session kept from it.
    client = persona.client
    saved = {name: morsel.value for name, morsel in client.cookies.items() if name != "messages"}
    client.cookies.clear()
    for name, value in saved.items():
        client.cookies[name] = value
    try:
        return client.get(path) if route.method == "GET" else client.post(path, {})
    finally:
        client.cookies.clear()
        for name, value in saved.items():
            client.cookies[name] = value


def _shape(response: Any, replace: list[str]) -> tuple[int, str, str, str]:
    """What a user can observe of an answer, with the ids and the per-response secrets blanked."""
    text = content_of(response).decode("utf-8", errors="replace")
    location = response.get("Location", "")
    for value in replace:
        text = text.replace(value, "<id>")
        location = location.replace(value, "<id>")
    return (
        response.status_code,
        response.get("Content-Type", ""),
        location,
        _SECRETS.sub("<secret>", text),
    )


def _holder(world: World, holder: str) -> Any:
    return {
        "plan": world.plan,
        "action": world.action,
        "meeting": world.meeting,
        "decision": world.decision,
    }[holder]


# Each variant hides the holder from some users for one reason: (marking, releasable to).
VARIANTS: list[tuple[str, str]] = [("C", ""), ("DR", ""), ("NP", "NER")]
NO_CONTENT = ("anonymous", "admin", "outsider")
ROLE_NAMES = ("expert", "validator", "authority", "focal_point", "observer")


def _people(world: World, route: Route, item: Any, marking: str, first: bool) -> list[Persona]:
    """The users asked for this variant: those it hides for its own reason (clearance below the
    marking, or another member state). The sample (``make test``) takes, per route, one role in
    turn and the secretariat; the full matrix takes everyone."""
    role = ROLE_NAMES[sum(route.key.encode()) % len(ROLE_NAMES)]
    chosen = []
    for persona in world.personas:
        if persona.name in NO_CONTENT:
            if first:
                chosen.append(persona)
            continue
        if can_see(persona.user, item):
            continue
        clearance = persona.name.rsplit(".", 1)[-1]
        below = world.markings[clearance].rank < world.markings[marking].rank
        own_reason = (
            marking == "C" or (marking == "DR" and below) or (marking == "NP" and not below)
        )
        if own_reason and (FULL_MATRIX or persona.name.startswith(("secretariat", role))):
            chosen.append(persona)
    return chosen


def _difference(observed: tuple[Any, ...], expected: tuple[Any, ...]) -> str:
    for label, seen, wanted in zip(
        ("status", "type", "location", "body"), observed, expected, strict=True
    ):
        if seen != wanted:
            if label != "body":
                return f"{label}: {seen!r} != {wanted!r}"
            index = next(
                (i for i, (a, b) in enumerate(zip(seen, wanted, strict=False)) if a != b),
                min(len(seen), len(wanted)),
            )
            around = slice(max(index - 80, 0), index + 80)
            return f"body differs at {index}: {seen[around]!r} != {wanted[around]!r}"
    return ""


def _case_ids() -> list[Any]:
    params = []
    for route in all_routes():
        cases = _declared(route)
        if cases is None:
            continue  # reported by test_every_route_and_operation_is_declared_in_the_matrix
        for case in cases:
            params.append(pytest.param(route, case, id=f"{route.method}-{route.key}-{case.target}"))
    return params


def _values(world: World, route: Route, persona_token_id: int) -> dict[str, str]:
    return {
        name: parameter_value(world, route.key, name, persona_token_id) for name in route.parameters
    }


@matrix_requests
@pytest.mark.parametrize(("route", "case"), _case_ids())
def test_a_hidden_object_answers_like_a_missing_one(world: World, route: Route, case: Case) -> None:
    token_id = world.persona("expert.MLI.DR").user.api_tokens.values_list("pk", flat=True)[0]  # type: ignore[union-attr]
    real = _values(world, route, token_id)
    missing = dict(real, **{case.target: missing_value(case.target)})
    # What differs between the two answers by construction: the path asked for.
    replace = [route.path(real), route.path(missing)]
    replace += [quote(path) for path in replace]
    answers_for_missing: dict[str, tuple[int, str, str, str]] = {}
    head = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    checked = 0
    variants = VARIANTS if case.holder else [("", "")]
    for index, (marking, releasable) in enumerate(variants):
        with transaction.atomic():
            if case.holder:
                item = _holder(world, case.holder)
                states = MemberState.objects.filter(code=releasable) if releasable else []
                set_marking(item, marking, releasable_to=states)
                people = _people(world, route, item, marking, first=index == 0)
            else:
                people = world.personas
            for persona in people:
                with transaction.atomic():
                    answer = _request(persona, route, route.path(real))
                    transaction.set_rollback(True)
                if case.holder is None and (
                    answer.status_code not in DENIALS
                    or (answer.status_code == 403 and persona.name not in NO_CONTENT)
                ):
                    # Not marked: whoever may open it may, and a user who reads it may be
                    # refused a change (403) without learning anything.
                    continue
                if persona.name not in answers_for_missing:
                    with transaction.atomic():
                        answers_for_missing[persona.name] = _shape(
                            _request(persona, route, route.path(missing)), replace
                        )
                        transaction.set_rollback(True)
                observed = _shape(answer, replace)
                where = f"{persona.name} on {route.method} {route.path(real)} ({marking})"
                is_login = persona.user is None and observed[0] == 302
                # A refusal before the lookup (422 for a missing query parameter) is the same
                # for both ids: the equality below is what proves that nothing leaks.
                assert observed[0] >= 400 or is_login, f"not refused: {where}: {observed[0]}"
                expected = answers_for_missing[persona.name]
                assert observed == expected, (
                    f"existence leak: {where}: {_difference(observed, expected)}"
                )
                checked += 1
            transaction.set_rollback(True)
        if case.holder:
            item.refresh_from_db()
    after = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    assert after == head, "a denied request wrote to the audit log"
    if case.holder:
        assert checked, "no user was denied: the matrix checked nothing for this route"


# --- 3. Hidden titles appear nowhere --------------------------------------------------------

CANARY_PERSONAS = (
    "secretariat.DR",
    "expert.MLI.DR",
    "observer.MLI.NP",
    "validator.MLI.C",
    "focal_point.MLI.DR",
    "authority.MLI.NP",
)


_HIDDEN_TITLES: dict[tuple[int, str], list[str]] = {}


def _hidden_titles(world: World, persona: Persona) -> list[str]:
    """Titles of the objects hidden from ``persona`` (computed once per world)."""
    key = (id(world), persona.name)
    if key not in _HIDDEN_TITLES:
        titles = []
        for model in (Plan, Action, Meeting, MeetingDecision):
            for item in model.objects.select_related("classification").prefetch_related(
                "releasable_to"
            ):
                if not can_see(persona.user, item):
                    # A decision has no title: the start of its text stands for it.
                    is_decision = isinstance(item, MeetingDecision)
                    titles.append(item.text[:40] if is_decision else item.title)
        _HIDDEN_TITLES[key] = titles
    return _HIDDEN_TITLES[key]


def _readable_routes() -> list[Any]:
    routes = [
        route for route in all_routes() if route.method == "GET" and _declared(route) is not None
    ]
    return [pytest.param(route, id=f"{route.key}") for route in routes]


@matrix_requests
@pytest.mark.parametrize("route", _readable_routes())
def test_no_answer_shows_a_hidden_title(world: World, route: Route) -> None:
    token_id = world.persona("expert.MLI.DR").user.api_tokens.values_list("pk", flat=True)[0]  # type: ignore[union-attr]
    path = route.path(_values(world, route, token_id))
    for name in CANARY_PERSONAS:
        persona = world.persona(name)
        hidden = _hidden_titles(world, persona)
        assert hidden, f"{name} should have hidden objects in the world"
        queries = [""] if route.parameters else ["", "?q=Canari", "?q=securite"]
        for query in queries:
            answer = _request(persona, route, path + query)
            found = leaked(text_of(content_of(answer)), hidden)
            assert not found, f"{name} reads hidden titles on {path}{query}: {found}"


def test_the_canary_check_sees_titles_that_are_shown(world: World) -> None:
    """The detection works: the secretariat cleared for C reads the C plan and meeting."""
    persona = world.persona("secretariat.C")
    body = text_of(content_of(persona.client.get(reverse("plans:plan-list"))))
    assert leaked(body, [world.secret_plan.title]) == [world.secret_plan.title]
    body = text_of(content_of(persona.client.get(reverse("meetings:meeting-list"))))
    assert leaked(body, [world.secret_meeting.title]) == [world.secret_meeting.title]
