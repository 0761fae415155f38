"""``liptako demo``: the AES demonstration data, its accounts and their password file."""

from __future__ import annotations

import base64
import stat
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from liptako.accounts.models import Membership, Role, User
from liptako.alliance.models import Alliance, MemberState, Organisation, Person, Position, Rank
from liptako.audit.models import AuditEvent
from liptako.audit.verify import verify_chain
from liptako.testing import totp_code_now

STATE_ROLES = {
    "expert": Role.EXPERT,
    "validateur": Role.VALIDATOR,
    "autorite": Role.AUTHORITY,
    "pointfocal": Role.FOCAL_POINT,
    "observateur": Role.OBSERVER,
}
EXPECTED_USERNAMES = {"secretariat", "admin"} | {
    f"{prefix}.{code}" for prefix in STATE_ROLES for code in ("mli", "bfa", "ner")
}
CLEARANCES = {
    "secretariat": "C",
    "admin": "NP",
    "expert": "DR",
    "validateur": "C",
    "autorite": "C",
    "pointfocal": "DR",
    "observateur": "NP",
}


@pytest.fixture
def home(settings, tmp_path):
    settings.LIPTAKO_HOME = tmp_path
    return tmp_path


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def read_accounts(home) -> list[list[str]]:
    lines = (home / "demo-accounts.txt").read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines]


@pytest.mark.django_db
def test_it_loads_the_aes_into_an_empty_database(home):
    output = run_demo()
    alliance = Alliance.objects.get()
    assert (alliance.acronym, str(alliance.founded_on)) == ("AES", "2023-09-16")
    assert "Liptako-Gourma" in alliance.founding_text
    assert "Confédération" in alliance.description
    states = {s.code: s for s in MemberState.objects.all()}
    assert {code: (s.capital, s.timezone) for code, s in states.items()} == {
        "MLI": ("Bamako", "Africa/Bamako"),
        "BFA": ("Ouagadougou", "Africa/Ouagadougou"),
        "NER": ("Niamey", "Africa/Niamey"),
    }
    for code in states:
        names = set(
            Organisation.objects.filter(member_state__code=code).values_list("name", flat=True)
        )
        assert "État-major général des armées" in names
        assert "Direction du service de santé des armées" in names
        assert any(name.startswith("Présidence") for name in names)
        assert any(name.startswith("Ministère de la Défense") for name in names)
    assert Organisation.objects.filter(
        member_state__code="MLI", name="Ministère de la Défense et des Anciens Combattants"
    ).exists()
    bodies = set(
        Organisation.objects.filter(member_state__isnull=True).values_list("name", flat=True)
    )
    assert {"Comité des Chefs d'État-major", "Secrétariat permanent"} <= bodies
    assert any("Force unifiée" in name for name in bodies)
    assert "Demo loaded" in output
    assert "validateur.bfa" in output


@pytest.mark.django_db
def test_the_people_of_the_seed_hold_their_posts(home):
    run_demo()
    diarra = Person.objects.get(last_name="DIARRA")
    assert diarra.display_name == "Général de division Oumar DIARRA"
    assert diarra.positions.filter(
        title="Chef d'État-major Général des Armées",
        organisation__name="État-major général des armées",
        organisation__member_state__code="MLI",
        end_date__isnull=True,
    ).exists()
    assert Person.objects.get(last_name="GOÏTA").rank == Rank.GENERAL_ARMEE
    assert Position.objects.filter(
        person__last_name="GOÏTA", title="Président de la Transition, Chef de l'État"
    ).exists()
    assert Position.objects.filter(
        person__last_name="CAMARA",
        person__rank=Rank.GENERAL_CORPS_ARMEE,
        title="Ministre de la Défense et des Anciens Combattants",
    ).exists()
    assert Position.objects.filter(
        person__last_name="MAKOUNOU",
        person__rank=Rank.SERGENT,
        organisation__acronym="DIRPA",
    ).exists()
    # Each member state has a chief of general staff, member of the committee.
    for code in ("MLI", "BFA", "NER"):
        assert (
            Position.objects.filter(
                person__member_state__code=code,
                title="Chef d'État-major Général des Armées",
                end_date__isnull=True,
            ).count()
            == 1
        )
    assert Position.objects.filter(organisation__name="Comité des Chefs d'État-major").count() == 3


@pytest.mark.django_db
def test_every_demo_account_exists_with_its_role_state_and_clearance(home):
    run_demo()
    rows = read_accounts(home)
    assert {row[0] for row in rows} == EXPECTED_USERNAMES
    assert len(rows) == len(EXPECTED_USERNAMES)
    for username, password, role, state_code, *_second_factor in rows:
        user = User.objects.get(username=username)
        prefix = username.split(".")[0]
        assert user.clearance.code == CLEARANCES[prefix], username
        assert len(password) >= 16
        membership = Membership.objects.get(user=user)
        assert membership.role == role
        if username in {"secretariat", "admin"}:
            assert state_code == ""
            assert membership.member_state is None
        else:
            assert role == STATE_ROLES[prefix]
            assert state_code == username.split(".")[1].upper()
            assert membership.member_state.code == state_code
    assert len({row[1] for row in rows}) == len(rows), "passwords must differ"
    assert User.objects.get(username="validateur.mli").person.last_name == "DIARRA"
    assert User.objects.get(username="validateur.bfa").person.member_state.code == "BFA"
    assert User.objects.get(username="expert.ner").person.member_state.code == "NER"


@pytest.mark.django_db
def test_the_accounts_file_is_tab_separated_and_private(home):
    output = run_demo()
    path = home / "demo-accounts.txt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    for line in text.splitlines():
        assert line.count("\t") == 6
    assert text.splitlines()[0].startswith("secretariat\t")
    assert [read_accounts(home)[1][i] for i in (0, 2, 3)] == ["admin", "admin", ""]
    # The passwords are printed once, by the command.
    for _username, password, *_rest in read_accounts(home):
        assert password in output


@pytest.mark.django_db
def test_each_demo_account_logs_in_with_its_written_password(client, home, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    run_demo()
    for username, password, _role, _state, totp_secret, *_rest in read_accounts(home):
        response = client.post(
            reverse("accounts:login"), {"username": username, "password": password}
        )
        assert response.status_code == 302, username
        if totp_secret:  # the roles that require a second factor: the code of its secret
            code = totp_code_now(base64.b32decode(totp_secret).hex())
            response = client.post(reverse("accounts:login-code"), {"code": code})
            assert response.status_code == 302, username
        assert client.get(reverse("alliance:index")).status_code == 200, username
        client.logout()


@pytest.mark.django_db
def test_a_second_load_is_refused_and_changes_nothing(home):
    run_demo()
    first_file = (home / "demo-accounts.txt").read_text()
    events = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="--reset"):
        run_demo()
    assert AuditEvent.objects.count() == events
    assert Alliance.objects.count() == 1
    assert (home / "demo-accounts.txt").read_text() == first_file


@pytest.mark.django_db
def test_if_empty_is_a_no_op_on_a_loaded_database(home):
    run_demo()
    first_file = (home / "demo-accounts.txt").read_text()
    events = AuditEvent.objects.count()
    output = run_demo("--if-empty")
    assert "not loaded" in output
    assert AuditEvent.objects.count() == events
    assert (home / "demo-accounts.txt").read_text() == first_file


@pytest.mark.django_db
def test_if_empty_loads_an_empty_database(home):
    run_demo("--if-empty")
    assert Alliance.objects.count() == 1
    assert (home / "demo-accounts.txt").exists()


@pytest.mark.django_db
def test_reset_rebuilds_the_demo_with_new_passwords(client, home):
    run_demo()
    old_passwords = {row[0]: row[1] for row in read_accounts(home)}
    secretariat = User.objects.get(username="secretariat")
    # Demo users act (they become audit actors) and the directory gains a row.
    from liptako.alliance import services

    services.person_create(actor=secretariat, first_name="Extra", last_name="PERSONNE")
    run_demo("--reset")
    assert not Person.objects.filter(last_name="PERSONNE").exists()
    assert Alliance.objects.count() == 1
    assert MemberState.objects.count() == 3
    assert Person.objects.filter(last_name="DIARRA").count() == 1
    new_rows = read_accounts(home)
    assert {row[0] for row in new_rows} == EXPECTED_USERNAMES
    assert all(old_passwords[row[0]] != row[1] for row in new_rows)
    assert User.objects.get(username="secretariat").pk == secretariat.pk
    assert Membership.objects.filter(user=secretariat).count() == 1
    username, password = new_rows[0][0], new_rows[0][1]
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(verb="demo.reset").count() == 1


@pytest.mark.django_db
def test_the_audit_chain_records_the_load(home):
    run_demo()
    verbs = list(AuditEvent.objects.order_by("sequence").values_list("verb", flat=True))
    assert verbs[0] == "alliance.create"
    assert verbs[-1] == "demo.load"
    assert verbs.count("member_state.create") == 3
    assert verbs.count("user.create") == len(EXPECTED_USERNAMES)
    assert verbs.count("membership.grant") == len(EXPECTED_USERNAMES)
    assert verbs.count("person.create") == Person.objects.count()
    assert verbs.count("position.create") == Position.objects.count()
    result = verify_chain()
    assert result.ok
    assert result.events_checked == len(verbs)


@pytest.mark.django_db
def test_reset_and_if_empty_cannot_be_combined(home):
    with pytest.raises(CommandError):
        call_command("demo", "--reset", "--if-empty", stdout=StringIO())


@pytest.mark.django_db
def test_the_accounts_that_require_a_second_factor_get_one_written_to_the_file(home):
    from django_otp.plugins.otp_static.models import StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    run_demo()
    for username, _password, role, _state, secret, codes, uri in read_accounts(home):
        required = role in {"secretariat", "validator", "authority", "admin"}
        assert bool(secret) == required, username
        if not required:
            assert not TOTPDevice.objects.filter(user__username=username).exists()
            continue
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        assert base64.b32decode(secret).hex() == device.key
        assert uri.startswith("otpauth://totp/Liptako%3A")
        assert f"secret={secret}" in uri
        assert sorted(codes.split(",")) == sorted(
            StaticToken.objects.filter(device__user__username=username).values_list(
                "token", flat=True
            )
        )


@pytest.mark.django_db
def test_demo_code_prints_the_current_code_of_demo_accounts_only(home, markings):
    from liptako.accounts.services import user_create

    run_demo()
    rows = {row[0]: row for row in read_accounts(home)}
    out = StringIO()
    call_command("demo_code", "validateur.mli", stdout=out)
    assert out.getvalue().strip() == totp_code_now(
        base64.b32decode(rows["validateur.mli"][4]).hex()
    )
    with pytest.raises(CommandError, match="pas un compte de démonstration"):
        call_command("demo_code", "expert.mli")  # a demo account without a second factor
    real = user_create(actor=None, username="vrai.validateur", password=None)
    from liptako.accounts.services import two_factor_create_for_demo

    two_factor_create_for_demo(user=real, key_hex="00" * 20)
    with pytest.raises(CommandError, match="pas un compte de démonstration"):
        call_command("demo_code", "vrai.validateur")
