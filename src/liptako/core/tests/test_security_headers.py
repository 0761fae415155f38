"""Security headers, private caching and inline code, over every route of the resolver.

Routes are discovered from the URL resolver (``test_urls_sweep.iter_routes``), so pages that
later issues add are checked without editing this file. Pages with objects of the demo are
visited by the browser tests (``e2e/test_csp_and_page_weight.py``), which also listen for
actual CSP violations.
"""

from __future__ import annotations

import json
import secrets
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
from django.urls import get_resolver

from liptako.core.models import MarkingLevel
from liptako.core.tests.test_settings import PRODUCTION, liptako
from liptako.core.tests.test_urls_sweep import API_PREFIX, Route, iter_routes
from liptako.testing import api_headers


class InlineCodeFinder(HTMLParser):
    """What a ``script-src 'self'; style-src 'self'`` policy would block in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.findings: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name == "style":
                self.findings.append(f"<{tag} style={value!r}>")
            elif name.startswith("on"):
                self.findings.append(f"<{tag} {name}=…> (inline event handler)")
            elif name in {"href", "src", "action"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.findings.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.findings.append("<style> element")
        # JSON data islands are not executed and not governed by script-src.
        if (
            tag == "script"
            and "src" not in attributes
            and attributes.get("type") not in {"application/json", "application/ld+json"}
        ):
            self.findings.append("<script> without src (inline script)")


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.findings


def get_routes() -> list[Route]:
    return [
        route
        for route in iter_routes(get_resolver().url_patterns)
        if not route.url.startswith(API_PREFIX) or route.name == "api:openapi-view"
    ]


def test_the_finder_sees_inline_code() -> None:
    page = (
        '<p style="color:red">x</p><button onclick="go()">y</button><a href="javascript:x">z</a>'
        "<style>p{}</style><script>alert(1)</script>"
        '<script src="/static/a.js"></script><script type="application/json">{}</script>'
    )
    assert len(inline_code(page)) == 5


@pytest.mark.django_db
def test_every_page_has_a_strict_policy_no_inline_code_and_is_not_cached(
    client: Client, secretariat: object
) -> None:
    client.force_login(secretariat)  # type: ignore[arg-type]
    problems: dict[str, list[str]] = {}
    checked = 0
    for route in get_routes():
        if route.name in {"accounts:logout", "set_language"}:
            continue  # a GET on them is refused (405) or ends the session the sweep uses
        response = client.get(route.url)
        found = []
        if "Content-Security-Policy" not in response:
            found.append("no Content-Security-Policy header")
        if "no-store" not in response.get("Cache-Control", "") and "public" not in response.get(
            "Cache-Control", ""
        ):
            found.append(f"Cache-Control {response.get('Cache-Control')!r}, wanted no-store")
        if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
            found += inline_code(response.content.decode())
            checked += 1
        if found:
            problems[f"{route.url} ({route.name}, {response.status_code})"] = found
    assert problems == {}
    assert checked > 20  # the sweep did render pages


@pytest.mark.django_db
def test_the_policy_allows_only_this_origin(client: Client) -> None:
    policy = client.get("/comptes/connexion/")["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy


@pytest.mark.django_db
def test_badges_and_banners_take_their_colour_from_the_marking_stylesheet(
    client: Client, markings: dict[str, MarkingLevel]
) -> None:
    confidential = markings["C"]
    MarkingLevel.objects.filter(pk=confidential.pk).update(colour="#123abc")
    # A colour that slipped past the form's validation is never written into the stylesheet.
    MarkingLevel.objects.filter(pk=markings["NP"].pk).update(colour="r}*{a:b")
    response = client.get("/marquages.css")
    stylesheet = response.content.decode()
    assert response["Content-Type"].startswith("text/css")
    assert f'[data-marking-level="{confidential.pk}"]{{--marking-colour:#123abc}}' in stylesheet
    assert "*{" not in stylesheet
    assert f'data-marking-level="{markings["NP"].pk}"' not in stylesheet

    login_page = client.get("/comptes/connexion/").content.decode()
    assert 'href="/marquages.css"' in login_page
    assert 'class="marking-banner" role="note" data-marking-level="' in login_page


@pytest.mark.django_db
def test_the_marking_stylesheet_is_cached_and_revalidated(
    client: Client, markings: dict[str, MarkingLevel], secretariat: object
) -> None:
    client.force_login(secretariat)  # type: ignore[arg-type]
    first = client.get("/marquages.css")
    assert "public" in first["Cache-Control"]
    assert "no-store" not in first["Cache-Control"]
    again = client.get("/marquages.css", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    MarkingLevel.objects.filter(pk=markings["C"].pk).update(colour="#000000")
    changed = client.get("/marquages.css", headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200
    assert "#000000" in changed.content.decode()


def test_a_marking_colour_must_be_a_hexadecimal_colour() -> None:
    from django.core.exceptions import ValidationError

    level = MarkingLevel(code="X", label="X", rank=9, colour="red")
    with pytest.raises(ValidationError) as error:
        level.clean_fields()
    assert "colour" in error.value.message_dict


@pytest.mark.django_db
def test_answers_to_a_logged_in_user_or_a_token_are_never_stored(
    client: Client, secretariat: object
) -> None:
    api = client.get("/api/v1/me", headers=api_headers(secretariat))  # type: ignore[arg-type]
    assert "no-store" in api["Cache-Control"]
    client.force_login(secretariat)  # type: ignore[arg-type]
    page = client.get("/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert "private" in page["Cache-Control"]
    # Static files keep their own caching (WhiteNoise answers before any view).
    static = client.get(settings.STATIC_URL + "liptako/css/liptako.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")


@pytest.mark.django_db
def test_every_page_is_compressed_for_a_browser_that_accepts_gzip(
    client: Client, secretariat: object
) -> None:
    client.force_login(secretariat)  # type: ignore[arg-type]
    response = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"


def production_settings(home: Path) -> dict[str, object]:
    """The security settings ``liptako`` computes from the production variables (TLS on)."""
    names = [
        "SESSION_COOKIE_NAME",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_NAME",
        "CSRF_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY",
    ]
    script = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}))"
    )
    result = liptako(
        "shell",
        "--no-imports",
        "-c",
        script,
        home=home,
        SECRET_KEY=secrets.token_urlsafe(64),
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    values: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    if isinstance(values["SECURE_PROXY_SSL_HEADER"], list):
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.mark.django_db
def test_over_tls_cookies_are_host_only_and_secure_and_hsts_is_sent(
    client: Client, markings: dict[str, MarkingLevel], tmp_path: Path
) -> None:
    production = production_settings(tmp_path)
    assert production["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert production["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    with override_settings(**production):
        response = client.get(
            "/comptes/connexion/", headers={"X-Forwarded-Proto": "https"}, secure=True
        )
        assert response.status_code == 200
        assert response["Strict-Transport-Security"].startswith("max-age=31536000")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        cookie = response.cookies["__Host-csrftoken"]
        # What browsers require of a __Host- cookie: Secure, Path=/, no Domain.
        assert cookie["secure"] is True
        assert cookie["path"] == "/"
        assert cookie["domain"] == ""
        # Plain HTTP is sent to HTTPS.
        plain = client.get("/comptes/connexion/")
        assert plain.status_code == 301
        assert plain["Location"].startswith("https://")
