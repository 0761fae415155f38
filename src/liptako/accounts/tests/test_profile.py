from __future__ import annotations

import pytest
from django.test import Client

from liptako.accounts.models import Role, User
from liptako.accounts.services import membership_grant, user_preferences_update
from liptako.audit.models import AuditEvent
from liptako.testing import AllianceFixture

PROFILE = "/comptes/profil/"


def test_it_shows_roles_member_states_and_clearance(
    client: Client, validator_bfa: User, aes: AllianceFixture
) -> None:
    membership_grant(actor=None, user=validator_bfa, role=Role.EXPERT, member_state=aes.niger)
    client.force_login(validator_bfa)
    page = client.get(PROFILE).content.decode()
    assert "Validateur" in page
    assert "Burkina Faso" in page
    assert "Expert" in page
    assert "Niger" in page
    assert "Confidentiel" in page


def test_a_user_without_role_is_told_so(client: Client, outsider: User) -> None:
    client.force_login(outsider)
    assert "aucun rôle" in client.get(PROFILE).content.decode()


def test_it_saves_time_zone_and_language(client: Client, expert_mli: User) -> None:
    client.force_login(expert_mli)
    response = client.post(PROFILE, {"timezone": "Africa/Niamey", "language": "en"})
    assert response.status_code == 302
    expert_mli.refresh_from_db()
    assert (expert_mli.timezone, expert_mli.language) == ("Africa/Niamey", "en")
    assert response.cookies["django_language"].value == "en"
    event = AuditEvent.objects.get(verb="user.preferences_update")
    assert event.payload == {"timezone": "Africa/Niamey", "language": "en"}
    assert "Your preferences have been saved." in client.get(PROFILE).content.decode()


def test_a_bad_choice_is_refused_next_to_its_field(client: Client, expert_mli: User) -> None:
    client.force_login(expert_mli)
    response = client.post(PROFILE, {"timezone": "Mars/Olympus", "language": "fr"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_timezone_error"' in page
    assert "Sélectionnez un choix valide" in page
    expert_mli.refresh_from_db()
    assert expert_mli.timezone == "Africa/Bamako"
    assert not AuditEvent.objects.filter(verb="user.preferences_update").exists()


def test_the_service_refuses_unknown_values(expert_mli: User) -> None:
    with pytest.raises(ValueError, match="time zone"):
        user_preferences_update(
            actor=expert_mli, user=expert_mli, timezone="Nowhere", language="fr"
        )
    with pytest.raises(ValueError, match="language"):
        user_preferences_update(
            actor=expert_mli, user=expert_mli, timezone="Africa/Bamako", language="de"
        )
    assert not AuditEvent.objects.filter(verb="user.preferences_update").exists()


def test_saving_unchanged_preferences_records_nothing(expert_mli: User) -> None:
    user_preferences_update(
        actor=expert_mli, user=expert_mli, timezone=expert_mli.timezone, language="fr"
    )
    assert not AuditEvent.objects.filter(verb="user.preferences_update").exists()


def test_it_changes_the_password_keeping_this_session(client: Client, expert_mli: User) -> None:
    client.force_login(expert_mli)
    other_session = Client()
    other_session.force_login(expert_mli)
    response = client.post(
        "/comptes/mot-de-passe/",
        {
            "old_password": "correct horse battery staple",
            "new_password1": "un nouveau mot de passe solide",
            "new_password2": "un nouveau mot de passe solide",
        },
    )
    assert response.status_code == 302
    expert_mli.refresh_from_db()
    assert expert_mli.check_password("un nouveau mot de passe solide")
    assert expert_mli.password.startswith("argon2$")
    assert AuditEvent.objects.filter(verb="user.password_change", actor=expert_mli).count() == 1
    assert client.get(PROFILE).status_code == 200
    assert other_session.get(PROFILE).status_code == 302


def test_a_wrong_old_password_changes_nothing(client: Client, expert_mli: User) -> None:
    client.force_login(expert_mli)
    response = client.post(
        "/comptes/mot-de-passe/",
        {
            "old_password": "not the password",
            "new_password1": "un nouveau mot de passe solide",
            "new_password2": "un nouveau mot de passe solide",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_old_password_error"' in page
    assert "Votre ancien mot de passe est incorrect" in page
    expert_mli.refresh_from_db()
    assert expert_mli.check_password("correct horse battery staple")
    assert not AuditEvent.objects.filter(verb="user.password_change").exists()


def test_a_weak_new_password_is_refused_in_french(client: Client, expert_mli: User) -> None:
    client.force_login(expert_mli)
    response = client.post(
        "/comptes/mot-de-passe/",
        {
            "old_password": "correct horse battery staple",
            "new_password1": "court",
            "new_password2": "court",
        },
    )
    assert "Ce mot de passe est trop court" in response.content.decode()
    expert_mli.refresh_from_db()
    assert expert_mli.check_password("correct horse battery staple")
