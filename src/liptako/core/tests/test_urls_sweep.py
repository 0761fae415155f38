"""Authorization sweep: no URL and no API operation answers an anonymous visitor.

Every route is discovered from the URL resolver (the API's too), so the routes later issues add
are covered without editing this file. The only list here is the public allow-list.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path
from django.views.i18n import set_language
from ninja import NinjaAPI, Router

from liptako.api.api import api

LOGIN_PATH = "/comptes/connexion/"
API_PREFIX = "/api/v1/"

#: Routes anyone may reach, by URL name. Adding one here is a security decision: say why.
PUBLIC = {
    "accounts:login": "the log-in page itself",
    "core:healthz": "load balancers and monitoring; tells only whether the database answers",
    "core:marking-stylesheet": "the marking scale's colours, shown on the log-in page's banner",
    "set_language": "switching the language works before logging in",
    "api:openapi-json": "the API description holds no data",
    "api:openapi-view": "the API docs page (bundled Swagger UI) holds no data",
    "api:api-root": "django-ninja's root: answers 404 to everyone",
    "meetings:calendar-feed": "iCalendar feed authenticated by the secret token in its URL "
    "(calendar programs cannot log in); 404 for any other token",
}

#: API operations (OpenAPI operationId) anyone may call, with the reason: none so far.
PUBLIC_API_OPERATIONS: dict[str, str] = {}

API_METHODS = ["get", "post", "put", "patch", "delete"]

# Sample values for path parameters, tried in order against each converter's regex.
SAMPLE_VALUES = [
    "1",
    "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
    "sample",
    "2024-11-06",
    "NP",
    "sample/path",
]
_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the route itself when unnamed
    route: str  # "plans/<uuid:plan_id>/"
    url: str  # with sample values: "/plans/6f1c…/"

    @property
    def is_api(self) -> bool:
        return self.url.startswith(API_PREFIX)


def sample_for(converter: Any, route: str) -> str:
    for value in SAMPLE_VALUES:
        if re.fullmatch(converter.regex, value):
            try:
                return str(converter.to_url(converter.to_python(value)))
            except ValueError:
                continue
    raise AssertionError(
        f"No sample value fits {type(converter).__name__} in {route!r}: "
        "add one to SAMPLE_VALUES in this test"
    )


def route_of(pattern: URLPattern | URLResolver) -> tuple[str, dict[str, Any]]:
    """The route text of one pattern and its converters (path(), or a re_path() without groups)."""
    route = getattr(pattern.pattern, "_route", None)
    if route is not None:
        return str(route), dict(pattern.pattern.converters)
    regex = str(pattern.pattern._regex)  # type: ignore[union-attr]
    if "(" in regex or "[" in regex:
        raise AssertionError(f"Cannot build a sample URL for the regex route {regex!r}")
    return regex.lstrip("^").rstrip("$").replace("\\", ""), {}


def sample_url(route_text: str, converters: dict[str, Any], route: str) -> str:
    def replace(match: re.Match[str]) -> str:
        return sample_for(converters[match["parameter"]], route)

    return _PARAMETER.sub(replace, route_text)


def iter_routes(
    patterns: Iterable[URLPattern | URLResolver],
    route_prefix: str = "",
    url_prefix: str = "/",
    namespace: str = "",
) -> Iterator[Route]:
    for pattern in patterns:
        text, converters = route_of(pattern)
        route = route_prefix + text
        url = url_prefix + sample_url(text, converters, route)
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in [namespace, pattern.namespace or ""] if part)
            yield from iter_routes(pattern.url_patterns, route, url, inner)
        else:
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield Route(name=name or route, route=route, url=url)


def anonymous_exposures(client: Client, routes: Iterable[Route]) -> list[str]:
    """What an anonymous visitor reaches among non-public routes, described for a person."""
    exposures = []
    for route in routes:
        if route.name in PUBLIC:
            continue
        if route.is_api:
            statuses = {}
            for method in API_METHODS:
                response = getattr(client, method)(
                    route.url, data={}, content_type="application/json"
                )
                statuses[method.upper()] = response.status_code
            # 405: no such operation on this path. Every operation that exists must say 401.
            if set(statuses.values()) - {401, 405} or 401 not in statuses.values():
                exposures.append(f"{route.url} ({route.name}) answered {statuses}, wanted 401")
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(route.url)
            location = response.get("Location", "")
            target = urlsplit(location)
            is_login_redirect = (
                response.status_code == 302
                and target.path == LOGIN_PATH
                and parse_qs(target.query).get("next") == [route.url]
            )
            if not is_login_redirect:
                exposures.append(
                    f"{method.upper()} {route.url} ({route.name}) answered "
                    f"{response.status_code} {location}, wanted a redirect to {LOGIN_PATH}"
                )
    return exposures


@pytest.fixture
def routes() -> list[Route]:
    return list(iter_routes(get_resolver().url_patterns))


@pytest.mark.django_db
def test_no_route_answers_an_anonymous_visitor_unless_public(
    client: Client, routes: list[Route]
) -> None:
    assert anonymous_exposures(client, routes) == []


def test_the_sweep_sees_pages_and_api_operations(routes: list[Route]) -> None:
    names = {route.name for route in routes}
    assert {"core:home", "accounts:profile", "api:openapi-json"} <= names
    assert any(route.is_api and route.name not in PUBLIC for route in routes)


def test_every_public_route_exists(routes: list[Route]) -> None:
    names = {route.name for route in routes}
    assert set(PUBLIC) - names == set()


@pytest.mark.django_db
def test_public_routes_answer_without_a_login(client: Client, routes: list[Route]) -> None:
    by_name = {route.name: route for route in routes}
    assert client.get(by_name["accounts:login"].url).status_code == 200
    assert client.get(by_name["core:healthz"].url).status_code == 200
    assert client.get(by_name["api:openapi-json"].url).status_code == 200
    assert client.get(by_name["api:openapi-view"].url).status_code == 200
    response = client.post(by_name["set_language"].url, {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def unsecured_operations(ninja_api: NinjaAPI) -> tuple[list[str], set[str]]:
    """Operations of the OpenAPI description without a security requirement, and all ids."""
    schema = ninja_api.get_openapi_schema(path_prefix=API_PREFIX)
    unsecured = []
    operation_ids = set()
    for url, operations in schema["paths"].items():
        for method, operation in operations.items():
            operation_ids.add(operation["operationId"])
            if operation["operationId"] in PUBLIC_API_OPERATIONS:
                continue
            if not operation.get("security"):
                unsecured.append(f"{method.upper()} {url} ({operation['operationId']})")
    return unsecured, operation_ids


def test_every_api_operation_requires_authentication() -> None:
    unsecured, operation_ids = unsecured_operations(api)
    assert unsecured == []
    assert len(operation_ids) > 0
    assert set(PUBLIC_API_OPERATIONS) - operation_ids == set()


# --- The sweep itself must catch what it is for --------------------------------------------


@login_not_required
def _forgotten_view(request: HttpRequest, item_id: int) -> HttpResponse:
    return HttpResponse("secret")


def _guarded_view(request: HttpRequest, slug: object) -> HttpResponse:
    return HttpResponse("fine")


_LEAKY_URLCONF = types.ModuleType("leaky_urls")
_LEAKY_URLCONF.urlpatterns = [  # type: ignore[attr-defined]
    path(
        "leaky/",
        include(
            (
                [
                    path("items/<int:item_id>/", _forgotten_view, name="item"),
                    path("pages/<uuid:slug>/", _guarded_view, name="page"),
                ],
                "leaky",
            )
        ),
    ),
]


@pytest.mark.django_db
def test_the_sweep_reports_a_page_left_open(client: Client) -> None:
    with override_settings(ROOT_URLCONF=_LEAKY_URLCONF, LOGIN_URL=LOGIN_PATH):
        routes = list(iter_routes(get_resolver().url_patterns))
        assert [route.url for route in routes] == [
            "/leaky/items/1/",
            "/leaky/pages/6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f/",
        ]
        exposures = anonymous_exposures(client, routes)
    assert len(exposures) == 2  # the forgotten page, by GET and by POST
    assert exposures[0].startswith("GET /leaky/items/1/ (leaky:item) answered 200")


_leaky_router = Router()


@_leaky_router.get("/secrets/{secret_id}", url_name="secret")
def _forgotten_operation(request: HttpRequest, secret_id: int) -> dict[str, int]:
    return {"secret": secret_id}


_LEAKY_API = NinjaAPI(urls_namespace="leaky-api", docs_url=None, openapi_url=None)
_LEAKY_API.add_router("/", _leaky_router)
_leaky_api_include = path("api/v1/", _LEAKY_API.urls)
for _pattern in _leaky_api_include.url_patterns:
    if isinstance(_pattern, URLPattern):
        login_not_required(_pattern.callback)  # as LiptakoAPI does: the API answers for itself
_LEAKY_API_URLCONF = types.ModuleType("leaky_api_urls")
_LEAKY_API_URLCONF.urlpatterns = [  # type: ignore[attr-defined]
    _leaky_api_include,
    # What the layout of the 404 page (ninja's API root answers 404) links to.
    path("", include("liptako.core.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
]


@pytest.mark.django_db
def test_the_sweep_reports_an_api_operation_left_open(client: Client) -> None:
    with override_settings(ROOT_URLCONF=_LEAKY_API_URLCONF, LOGIN_URL=LOGIN_PATH):
        routes = list(iter_routes(get_resolver().url_patterns))
        assert "/api/v1/secrets/1" in [route.url for route in routes]
        exposures = anonymous_exposures(client, routes)
        unsecured, _ = unsecured_operations(_LEAKY_API)
    assert any(
        exposure.startswith("/api/v1/secrets/1 (leaky-api:secret) answered {'GET': 200")
        for exposure in exposures
    )
    assert len(unsecured) == 1
    assert unsecured[0].startswith("GET /api/v1/secrets/{secret_id}")
