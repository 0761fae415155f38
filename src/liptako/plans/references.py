"""Member states, markings and organisations named by code in an API call or an import.

``References(plan)`` looks them up within the plan's alliance and collects one French message
per field for every unknown code; ``check()`` raises them together as a ``ValidationError``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from liptako.alliance.models import MemberState, Organisation
from liptako.core.models import MarkingLevel
from liptako.plans.models import Plan


class References:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.errors: dict[str, list[str]] = {}

    def _error(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def state(self, field: str, code: str) -> MemberState | None:
        states = self.states(field, [code])
        return states[0] if states else None

    def states(self, field: str, codes: Iterable[str]) -> list[MemberState]:
        wanted = {code.strip().upper() for code in codes if code and code.strip()}
        found = list(MemberState.objects.filter(alliance_id=self.plan.alliance_id, code__in=wanted))
        missing = wanted - {state.code for state in found}
        if missing:
            self._error(
                field, _("Unknown member state: %(code)s") % {"code": ", ".join(sorted(missing))}
            )
        return sorted(found, key=lambda state: state.code)

    def marking(self, field: str, code: str) -> MarkingLevel | None:
        level = MarkingLevel.objects.filter(code=code.strip()).first()
        if level is None:
            self._error(field, _("Unknown marking: %(code)s") % {"code": code})
        return level

    def organisation(self, field: str, organisation_id: int) -> Organisation | None:
        organisation = Organisation.objects.filter(
            pk=organisation_id, alliance_id=self.plan.alliance_id
        ).first()
        if organisation is None:
            self._error(field, _("Unknown organisation."))
        return organisation

    def check(self) -> None:
        """Raise every unknown reference at once (``ValidationError`` by field)."""
        if self.errors:
            raise ValidationError(self.errors)

    def action_data(self, values: dict[str, Any]) -> dict[str, Any]:
        """An action payload with codes/ids turned into instances (``check()`` afterwards).

        ``lead_state``, ``partner_states``, ``releasable_to``: ISO codes; ``classification``:
        a marking code (empty: left out, the default applies); ``responsible_organisation``:
        an organisation id.
        """
        data = dict(values)
        if data.get("lead_state") is not None:
            data["lead_state"] = self.state("lead_state", data["lead_state"])
        for name in ("partner_states", "releasable_to"):
            if name in data:
                data[name] = self.states(name, data[name] or [])
        if "classification" in data:
            if data["classification"]:
                data["classification"] = self.marking("classification", data["classification"])
            else:
                del data["classification"]
        if data.get("responsible_organisation") is not None:
            data["responsible_organisation"] = self.organisation(
                "responsible_organisation", data["responsible_organisation"]
            )
        return data
