"""schemathesis against the API's own OpenAPI description, in-process (issue #7, bad input).

Every operation of ``/api/v1/openapi.json`` (read at run time: an operation added later is
fuzzed without editing this file) gets requests generated from its schema, valid and invalid,
sent through the WSGI application with the token of a role drawn at random, or none. The world
is the demo (a plan with actions marked NP, DR and C, its signed version, meetings, monitoring).
Path parameters are drawn half of the time from the identifiers that exist in the database
(every UUID, integer key and code of every model, from the model registry), so the requests reach
real objects and not only 404s.

Proven: no response is a server error, and every response has a documented content type and
matches the schema declared for its status code. The number of requests comes from
``LIPTAKO_FUZZ_EXAMPLES`` (examples per operation; ``make test-long`` runs enough for more than
5,000 requests in all); the count is printed and asserted. See docs/security/bad-input.md.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.apps import apps
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, models
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, Response
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from liptako.accounts.models import User
from liptako.demo.loader import load_demo
from liptako.testing import api_headers, make_user

EXAMPLES_PER_OPERATION = int(os.environ.get("LIPTAKO_FUZZ_EXAMPLES", "12"))


def routed_to_its_operation(ctx: object, response: Response, case: Case) -> None:
    """A method the description declares is answered, never 405 (an operation shadowed by a
    path of another, as ``minutes/{item_id}`` once hid ``minutes/status``)."""
    if response.status_code == 405:
        raise AssertionError(f"{case.method} {case.formatted_path} answered 405")


CHECKS = [
    not_a_server_error,
    content_type_conformance,
    response_schema_conformance,
    routed_to_its_operation,
]
# One account per role (the demo's), one without any role, and the anonymous caller.
ROLE_ACCOUNTS = (
    "secretariat",
    "admin",
    "autorite.bfa",
    "expert.mli",
    "validateur.bfa",
    "pointfocal.ner",
    "observateur.mli",
)


@dataclass(frozen=True)
class Caller:
    name: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Identifiers:
    """What a path parameter may hold to reach an object that exists, by model name."""

    uuids: dict[str, list[str]]
    integers: dict[str, list[int]]
    codes: list[str]

    def for_parameter(self, name: str, schema: dict[str, object]) -> list[str] | list[int]:
        if schema.get("type") != "integer" and schema.get("format") != "uuid":
            return self.codes
        by_model: dict[str, list[Any]] = dict(
            self.integers if schema.get("type") == "integer" else self.uuids
        )
        # ``plan_uid`` names a plan, ``report_uid`` a progress report; ``item_uid`` any object.
        stem = name.rsplit("_", 1)[0].replace("_", "")
        matching = [values for model, values in by_model.items() if model.endswith(stem)]
        return sorted({v for values in (matching or by_model.values()) for v in values})


def existing_identifiers() -> Identifiers:
    uuids: dict[str, list[str]] = {}
    integers: dict[str, list[int]] = {}
    codes: set[str] = set()
    for model in apps.get_models():
        name = model._meta.model_name
        rows = model._default_manager
        for field in model._meta.concrete_fields:
            if isinstance(field, models.UUIDField):
                uuids.setdefault(name, []).extend(
                    str(v) for v in rows.values_list(field.attname, flat=True)
                )
            elif isinstance(field, models.AutoField) or (
                field.name == "number" and isinstance(field, models.IntegerField)
            ):
                integers.setdefault(name, []).extend(rows.values_list(field.attname, flat=True))
            elif field.name == "code" and isinstance(field, models.CharField):
                codes.update(rows.values_list(field.attname, flat=True))
    return Identifiers(uuids, integers, sorted(codes))


@pytest.fixture
def world(db: None, settings, tmp_path) -> list[Caller]:
    settings.LIPTAKO_HOME = tmp_path
    load_demo()
    users = list(User.objects.filter(username__in=ROLE_ACCOUNTS))
    assert len(users) == len(ROLE_ACCOUNTS)
    users.append(make_user("sans.role", clearance="C"))
    callers = [Caller(user.username, api_headers(user)) for user in users]
    return [*callers, Caller("anonymous", {})]


@pytest.fixture
def api_schema(world: list[Caller]) -> Iterator[schemathesis.BaseSchema]:
    # Requests go straight to the WSGI handler, whose end closes the database connection (that
    # of the test's transaction); Django's test client keeps it open the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def fuzz_operation(operation: APIOperation, callers: list[Caller], identifiers: Identifiers) -> int:
    """Send the operation's generated requests; return how many were sent."""
    strategy = operation.as_strategy()
    path_schemas = {p.name: p.definition.get("schema", {}) for p in operation.path_parameters}
    sent = 0

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        nonlocal sent
        case = data.draw(strategy)
        caller = data.draw(st.sampled_from(callers), label="caller")
        for name, schema in path_schemas.items():
            pool = identifiers.for_parameter(name, schema)
            if pool and data.draw(st.booleans(), label=f"existing {name}"):
                case.path_parameters[name] = data.draw(st.sampled_from(pool), label=name)
        # The test client does not decompress: ask for the plain body (GZip is tested apart).
        response = case.call(headers={**caller.headers, "Accept-Encoding": "identity"})
        sent += 1
        case.validate_response(response, checks=CHECKS)

    fuzz()
    return sent


def test_every_operation_answers_within_its_schema(
    world: list[Caller], api_schema: schemathesis.BaseSchema
) -> None:
    identifiers = existing_identifiers()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 50, "the OpenAPI description lost its operations"
    sent: dict[str, int] = {}
    failures: dict[str, str] = {}
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        try:
            sent[label] = fuzz_operation(operation, world, identifiers)
        # Every operation runs; the failures of all of them are reported together.
        except (Exception, BaseExceptionGroup) as error:
            failures[label] = str(error)
            print(f"\n{label}: {error!r}")
    total = sum(sent.values())
    print(f"\nschemathesis: {total} requests over {len(operations)} operations")
    assert failures == {}
    assert total >= len(operations) * EXAMPLES_PER_OPERATION // 2


def test_an_unknown_identifier_is_a_json_404(world: list[Caller], client) -> None:
    """The fuzzing relies on this: a well-formed id that matches nothing is a clean 404."""
    caller = world[0]
    response = client.get(f"/api/v1/plans/{uuid.uuid4()}", headers=caller.headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "Introuvable."}


def test_a_nul_character_in_the_query_is_a_json_400(world: list[Caller], client) -> None:
    """PostgreSQL cannot compare text with NUL: refused before any view (found by schemathesis)."""
    response = client.get("/api/v1/people?search=a%00b", headers=world[0].headers)
    assert response.status_code == 400
    assert response.json() == {"detail": "La requ\u00eate n\u2019est pas valide."}
