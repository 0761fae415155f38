"""One fixture world per module, built once inside a transaction rolled back at the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.test import Client
from django.test.utils import override_settings

from liptako.testing import second_factor_given_to_client
from liptako.tests.access.world import World, build_world


@pytest.fixture(scope="module")
def world(
    django_db_setup: None,
    django_db_blocker: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    home = tmp_path_factory.mktemp("matrix-home")
    overrides = override_settings(
        LIPTAKO_HOME=home,
        MEDIA_ROOT=home / "files",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    with django_db_blocker.unblock(), overrides, transaction.atomic():  # type: ignore[attr-defined]
        built = build_world()
        # The oracle reads each user's clearance and memberships: load them once.
        users = [persona.user for persona in built.personas if persona.user is not None]
        prefetch_related_objects(users, "clearance", "memberships")
        for persona in built.personas:
            persona.client = Client()
            if persona.user is not None:
                persona.client.force_login(persona.user)
                # The world is built once per session, outside the function-scoped fixture
                # that marks test-client logins as having given their second factor.
                second_factor_given_to_client(persona.client, persona.user)
        yield built
        transaction.set_rollback(True)
