from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_the_login_page_is_french_even_for_an_english_browser(client: Client) -> None:
    response = client.get("/comptes/connexion/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()


@pytest.mark.django_db
def test_the_language_switch_still_gives_english(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/comptes/connexion/"})
    response = client.get("/comptes/connexion/", HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="en">' in response.content.decode()
