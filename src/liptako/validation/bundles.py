"""The signed bundle of a version (zip): what ``liptako verify`` checks with no database.

The layout is described in validation/offline.py. Only signed decisions enter the bundle;
a later document (the PDF) is one more entry of ``extra_files``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC

from django.utils import timezone

from liptako.core.canonical import canonical_json
from liptako.plans.models import PlanVersion
from liptako.validation.models import Decision, SigningKey, VersionState
from liptako.validation.offline import BUNDLE_FORMAT, build_bundle, public_key_pem
from liptako.validation.services import quorum_rule_for


def _iso(moment: object) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # type: ignore[attr-defined]


def bundle_files(
    version: PlanVersion, *, extra_files: Mapping[str, bytes] | None = None
) -> dict[str, bytes]:
    state = VersionState.objects.filter(version=version).first()
    quorum = state.quorum if state is not None else quorum_rule_for(version.plan.alliance)
    decisions = list(
        Decision.objects.filter(version=version, statement__isnull=False)
        .exclude(signature="")
        .select_related("statement", "key", "member_state", "actor")
        .order_by("decided_at", "id")
    )
    files: dict[str, bytes] = {
        "plan.json": version.canonical.encode("utf-8"),
        "quorum.json": canonical_json(quorum),
        "bundle.json": canonical_json(
            {
                "format": BUNDLE_FORMAT,
                "plan": str(version.plan.uid),
                "title": version.plan.title,
                "version": version.number,
                "digest": version.digest,
                "frozen_at": _iso(version.created_at),
                "status": state.status if state is not None else None,
                "made_at": _iso(timezone.now()),
            }
        ),
    }
    keys: dict[str, SigningKey] = {}
    index = []
    for position, decision in enumerate(decisions, start=1):
        assert decision.statement is not None
        assert decision.key is not None
        code = decision.member_state.code if decision.member_state else "AES"
        name = f"{position:02d}-{code}-{decision.kind}"
        files[f"statements/{name}.json"] = decision.statement.data
        files[f"signatures/{name}.sig"] = base64.b64decode(decision.signature)
        keys[decision.key.fingerprint] = decision.key
        index.append(
            {
                "statement": f"statements/{name}.json",
                "signature": f"signatures/{name}.sig",
                "key": decision.key.fingerprint,
                "signed_at": _iso(decision.decided_at),
            }
        )
    files["signatures.json"] = canonical_json(index)
    key_index = []
    for fp, key in sorted(keys.items()):
        files[f"keys/{fp}.pem"] = public_key_pem(key.public_key_bytes)
        key_index.append(
            {
                "fingerprint": fp,
                "holder_id": key.holder_id,
                "holder": key.holder.get_full_name() or key.holder.username,
                "confirmed_at": _iso(key.confirmed_at),
                "revoked_at": _iso(key.revoked_at),
            }
        )
    files["keys.json"] = canonical_json(key_index)
    files.update(extra_files or {})
    return files


def bundle_export(version: PlanVersion) -> bytes:
    """The zip of ``version`` with its signed decisions (callers check the reader's access)."""
    return build_bundle(bundle_files(version))
