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
    # Accounts whose role requires a second factor: the TOTP secret (base32, as apps take
    # it), the same as an otpauth:// URI, and the single-use recovery codes.
    totp_secret: str = ""
    totp_uri: str = ""
    recovery_codes: tuple[str, ...] = ()

    def as_line(self) -> str:
        return "\t".join(
            [
                self.username,
                self.password,
                self.role,
                self.member_state_code,
                self.totp_secret,
                ",".join(self.recovery_codes),
                self.totp_uri,
            ]
        )


@dataclass
class DemoContext:
    """Rows created so far, by stable keys, so later parts (plans, meetings) can use them."""

    alliance: Alliance | None = None
    member_states: dict[str, MemberState] = field(default_factory=dict)  # by ISO code
    organisations: dict[str, Organisation] = field(default_factory=dict)  # "MLI:emga", "AES:fu"
    people: dict[str, Person] = field(default_factory=dict)  # "MLI:cemga", "MLI:expert1"
    accounts: list[DemoAccount] = field(default_factory=list)
