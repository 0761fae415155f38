"""What the parts of the demo hand each other while loading."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from liptako.alliance.models import Alliance, MemberState, Organisation, Person


@dataclass(frozen=True)
class DemoAccount:
    """One demo login, as written to ``demo-accounts.txt``."""

    username: str
    password: str
    role: str
    member_state_code: str  # empty for the alliance-wide roles

    def as_line(self) -> str:
        return "\t".join([self.username, self.password, self.role, self.member_state_code])


@dataclass
class DemoContext:
    """Rows created so far, by stable keys, so later parts (plans, meetings) can use them."""

    alliance: Alliance | None = None
    member_states: dict[str, MemberState] = field(default_factory=dict)  # by ISO code
    organisations: dict[str, Organisation] = field(default_factory=dict)  # "MLI:emga", "AES:fu"
    people: dict[str, Person] = field(default_factory=dict)  # "MLI:cemga", "MLI:expert1"
    accounts: list[DemoAccount] = field(default_factory=list)
