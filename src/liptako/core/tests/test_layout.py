"""The page shell every page shares: navigation, marking banners, language, accessibility."""

from __future__ import annotations

import re
import types
from pathlib import Path

import pytest
from django.contrib.auth.decorators import login_not_required
from django.test import Client
from django.test.utils import override_settings
from django.urls import include, path
from django.views.i18n import set_language

from liptako.accounts.models import User

STATIC = Path(__file__).resolve().parents[1] / "static" / "liptako" / "css"


def navigation_links(page: str) -> list[str]:
    navigation = page.split('<nav class="main-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r"<a href=\"[^\"]+\"[^>]*>([^<]+)</a>", navigation)


@pytest.mark.django_db
def test_the_secretariat_sees_every_section_in_french(client: Client, secretariat: User) -> None:
    client.force_login(secretariat)
    page = client.get("/").content.decode()
    assert navigation_links(page) == [
        "Accueil",
        "Annuaire",
        "Plans",
        "Réunions",
        "Journal",
        "Jetons API",
    ]
    assert '<a href="/" aria-current="page">Accueil</a>' in page


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["expert_mli", "validator_bfa", "observer", "admin_user"])
def test_only_the_secretariat_sees_the_audit_log_link(
    client: Client, persona: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))
    links = navigation_links(client.get("/").content.decode())
    assert "Journal" not in links
    assert links[0] == "Accueil"


_CORE_ONLY_URLCONF = types.ModuleType("core_only_urls")
_CORE_ONLY_URLCONF.urlpatterns = [  # type: ignore[attr-defined]
    path("", include("liptako.core.urls")),
    path("comptes/", include("liptako.accounts.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
]


@pytest.mark.django_db
def test_a_section_whose_app_provides_no_page_has_no_link(
    client: Client, secretariat: User
) -> None:
    client.force_login(secretariat)
    with override_settings(ROOT_URLCONF=_CORE_ONLY_URLCONF):
        response = client.get("/comptes/profil/")
    assert response.status_code == 200
    assert navigation_links(response.content.decode()) == ["Accueil", "Jetons API"]


@pytest.mark.django_db
def test_every_page_carries_the_marking_at_top_and_bottom(client: Client, expert_mli: User) -> None:
    client.force_login(expert_mli)
    page = client.get("/").content.decode()
    top = page.index('class="marking-top"')
    bottom = page.index('class="marking-bottom"')
    assert top < page.index("<main") < bottom
    assert page.count("Non protégé (NP)") == 2
    assert "<!--liptako:marking-banner-->" not in page


@pytest.mark.django_db
def test_the_language_switches_without_javascript(client: Client, expert_mli: User) -> None:
    client.force_login(expert_mli)
    assert '<html lang="fr">' in client.get("/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert ">Home</a>" in page
    assert '<button type="submit" name="language" value="fr" lang="fr">Français</button>' in page


@pytest.mark.django_db
def test_the_log_in_page_switches_language_before_logging_in(client: Client) -> None:
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/comptes/connexion/"}, follow=True
    )
    assert response.redirect_chain == [("/comptes/connexion/", 302)]
    assert '<html lang="en">' in response.content.decode()


@pytest.mark.django_db
def test_the_shell_is_ready_for_a_strict_content_security_policy(
    client: Client, expert_mli: User
) -> None:
    client.force_login(expert_mli)
    page = client.get("/").content.decode()
    # Every script is a file; htmx injects no style and evaluates no attribute.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert '"includeIndicatorStyles": false' in page
    assert '"allowEval": false' in page
    assert "<style" not in page
    # A skip link first, to a focusable main region.
    assert page.index('class="skip-link" href="#main"') < page.index("<header")
    assert '<main id="main" tabindex="-1">' in page


def test_the_stylesheets_stay_small() -> None:
    # Pages must load on slow links: no framework, no web font.
    assert (STATIC / "liptako.css").stat().st_size < 15_000
    assert (STATIC / "print.css").stat().st_size < 4_000
    css = (STATIC / "liptako.css").read_text() + (STATIC / "print.css").read_text()
    assert "@import" not in css
    assert "@font-face" not in css
    assert "url(" not in css
