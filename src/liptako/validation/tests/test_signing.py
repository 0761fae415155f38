"""Who may sign what: each refused attempt changes nothing and says why (issue 4, "How it
is checked")."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from liptako.accounts.models import Role, User
from liptako.core.models import MarkingLevel
from liptako.plans import services as plan_services
from liptako.plans.models import Action
from liptako.testing import AllianceFixture, make_user
from liptako.validation import services
from liptako.validation.models import (
    Decision,
    DecisionKind,
    IssuedStatement,
    VersionState,
    VersionStatus,
)
from liptako.validation.tests.conftest import Signer, approve, register_key


def _nothing_recorded(state: VersionState, decisions: int = 0) -> None:
    assert Decision.objects.count() == decisions
    state.refresh_from_db()
    assert state.status == VersionStatus.IN_VALIDATION


def test_the_statement_is_the_canonical_json_of_what_is_decided(
    in_validation: VersionState, signers: dict[str, Signer]
) -> None:
    import json

    signer = signers["MLI"]
    statement = services.statement_issue(
        version=in_validation.version,
        actor=signer.user,
        kind="approve",
        member_state=signer.member_state,
    )
    content = json.loads(statement.canonical)
    assert content["plan"] == str(in_validation.plan.uid)
    assert content["version"] == 1
    assert content["digest"] == in_validation.version.digest
    assert content["decision"] == "approve"
    assert content["member_state"] == "MLI"
    assert content["signer"]["id"] == signer.user.pk
    assert content["alliance"] == "AES"
    from liptako.core.canonical import canonical_json

    assert canonical_json(content) == statement.data
    # issued once: the same bytes on the next request
    again = services.statement_issue(
        version=in_validation.version,
        actor=signer.user,
        kind="approve",
        member_state=signer.member_state,
    )
    assert again.pk == statement.pk


def test_a_mali_validator_cannot_sign_for_niger(
    in_validation: VersionState, signers: dict[str, Signer], aes: AllianceFixture
) -> None:
    with pytest.raises(PermissionDenied, match="Niger"):
        services.statement_issue(
            version=in_validation.version,
            actor=signers["MLI"].user,
            kind="approve",
            member_state=aes.niger,
        )
    # nor by signing Niger's statement
    niger = services.statement_issue(
        version=in_validation.version,
        actor=signers["NER"].user,
        kind="approve",
        member_state=aes.niger,
    )
    with pytest.raises(PermissionDenied, match=r"someone else|quelqu"):
        services.decision_sign(
            statement=niger, actor=signers["MLI"].user, signature=signers["MLI"].sign(niger.data)
        )
    _nothing_recorded(in_validation)


def test_a_validator_cannot_sign_twice(
    in_validation: VersionState, signers: dict[str, Signer]
) -> None:
    approve(signers["MLI"], in_validation.version)
    statement = IssuedStatement.objects.get(signer=signers["MLI"].user)
    with pytest.raises(PermissionDenied, match=r"already|déjà"):
        services.decision_sign(
            statement=statement,
            actor=signers["MLI"].user,
            signature=signers["MLI"].sign(statement.data),
        )
    _nothing_recorded(in_validation, decisions=1)


def test_a_signature_over_another_statement_is_refused(
    in_validation: VersionState, signers: dict[str, Signer]
) -> None:
    signer = signers["MLI"]
    statement = services.statement_issue(
        version=in_validation.version,
        actor=signer.user,
        kind="approve",
        member_state=signer.member_state,
    )
    forged = statement.data.replace(b'"version":1', b'"version":2')
    with pytest.raises(ValidationError) as error:
        services.decision_sign(
            statement=statement, actor=signer.user, signature=signer.sign(forged)
        )
    assert "signature" in error.value.message_dict
    _nothing_recorded(in_validation)


def test_a_signature_with_another_key_is_refused(
    in_validation: VersionState, signers: dict[str, Signer]
) -> None:
    statement = services.statement_issue(
        version=in_validation.version,
        actor=signers["MLI"].user,
        kind="approve",
        member_state=signers["MLI"].member_state,
    )
    with pytest.raises(ValidationError):
        services.decision_sign(
            statement=statement,
            actor=signers["MLI"].user,
            signature=signers["BFA"].sign(statement.data),
        )
    _nothing_recorded(in_validation)


def test_an_unconfirmed_key_cannot_sign(
    in_validation: VersionState, secretariat: User, aes: AllianceFixture
) -> None:
    user = make_user("validator.mli", role=Role.VALIDATOR, member_state=aes.mali, clearance="C")
    private_key, _key = register_key(user, secretariat, confirm=False)
    statement = services.statement_issue(
        version=in_validation.version, actor=user, kind="approve", member_state=aes.mali
    )
    with pytest.raises(PermissionDenied, match="confirmation"):
        services.decision_sign(
            statement=statement, actor=user, signature=private_key.sign(statement.data)
        )
    _nothing_recorded(in_validation)


def test_a_revoked_key_cannot_sign(in_validation: VersionState, signers: dict[str, Signer]) -> None:
    signer = signers["MLI"]
    services.signing_key_revoke(key=signer.key, actor=signer.user, reason="perdue")
    statement = services.statement_issue(
        version=in_validation.version,
        actor=signer.user,
        kind="approve",
        member_state=signer.member_state,
    )
    with pytest.raises(PermissionDenied, match=r"revoked|révoquée"):
        services.decision_sign(
            statement=statement, actor=signer.user, signature=signer.sign(statement.data)
        )
    _nothing_recorded(in_validation)


def test_a_validator_below_the_highest_marking_cannot_sign(
    plan, secretariat: User, aes: AllianceFixture, markings: dict[str, MarkingLevel]
) -> None:
    objective = (
        plan_services.Objective.objects.get(plan=plan)
        if hasattr(plan_services, "Objective")
        else None
    )
    from liptako.plans.models import Objective

    objective = Objective.objects.get(plan=plan)
    plan_services.action_create(
        objective=objective,
        actor=secretariat,
        data={
            "title": "Action confidentielle",
            "lead_state": aes.niger,
            "start_date": date(2025, 4, 1),
            "end_date": date(2025, 5, 1),
            "classification": markings["C"],
        },
    )
    state = services.validation_open(plan=plan, actor=secretariat)
    user = make_user("validator.ner", role=Role.VALIDATOR, member_state=aes.niger, clearance="DR")
    register_key(user, secretariat)
    with pytest.raises(PermissionDenied, match=r"clearance|habilitation"):
        services.statement_issue(
            version=state.version, actor=user, kind="approve", member_state=aes.niger
        )
    assert not IssuedStatement.objects.exists()
    assert Action.objects.filter(classification=markings["C"]).exists()


@pytest.mark.parametrize(
    "persona", ["expert_mli", "observer", "outsider", "focal_point_ner", "secretariat"]
)
def test_other_roles_cannot_approve(
    persona: str, request: pytest.FixtureRequest, in_validation: VersionState, aes: AllianceFixture
) -> None:
    user = request.getfixturevalue(persona)
    for state in aes.states:
        with pytest.raises(PermissionDenied):
            services.statement_issue(
                version=in_validation.version, actor=user, kind="approve", member_state=state
            )
    assert not IssuedStatement.objects.exists()
    _nothing_recorded(in_validation)


def test_an_adoption_needs_a_submitted_version(
    validated: VersionState, authority_mli: User, secretariat, aes
) -> None:
    register_key(authority_mli, secretariat)
    with pytest.raises(PermissionDenied, match=r"submitted|soumise"):
        services.statement_issue(
            version=validated.version,
            actor=authority_mli,
            kind=DecisionKind.ADOPT,
            member_state=aes.mali,
        )
