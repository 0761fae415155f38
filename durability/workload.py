"""Writers of every kind that drive a served instance over HTTP and remember what was acknowledged.

Each writer runs in its own thread, one request after another: freezes of the demo plan,
signed approvals (statements signed here, offline, with the demo chiefs' keys), progress
reports submitted and returned, XLSX imports through the import page, comments. A request
whose answer is 2xx or 3xx is *acknowledged*: the ledger keeps it, and the checks afterwards
demand it is in the database. A request cut by a kill (no answer) may or may not have been
applied; the writers read the state again from the server before their next step.
"""

from __future__ import annotations

import base64
import io
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import requests

from durability.login import demo_accounts, log_in
from liptako.validation.offline import sign_bytes

TIMEOUT = 60
IMPORT_MARK = re.compile(r" \[import (\d+)\]$")


class Unanswered(Exception):
    """The server did not answer (killed meanwhile): the outcome is unknown."""


@dataclass
class Ledger:
    """What the server acknowledged, and the answers that must never happen."""

    freezes: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)
    report_events: Counter[tuple[str, str]] = field(default_factory=Counter)
    imports: list[int] = field(default_factory=list)
    unanswered: int = 0
    server_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledged(self) -> int:
        return (
            len(self.freezes)
            + len(self.comments)
            + len(self.signatures)
            + sum(self.report_events.values())
            + len(self.imports)
        )


class Client:
    def __init__(self, base_url: str, ledger: Ledger, token: str | None = None) -> None:
        self.base_url = base_url
        self.ledger = ledger
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, **options: Any) -> requests.Response:
        try:
            response = self.session.request(
                method, self.base_url + path, timeout=TIMEOUT, allow_redirects=False, **options
            )
        except requests.RequestException as error:
            with self.ledger.lock:
                self.ledger.unanswered += 1
            raise Unanswered(str(error)) from None
        if response.status_code >= 500:
            with self.ledger.lock:
                self.ledger.server_errors.append(
                    f"{method} {path}: {response.status_code} {response.text[:300]}"
                )
        return response


class Writer(threading.Thread):
    """Repeats ``step`` until told to stop; an unanswered request only means: try again."""

    def __init__(self, name: str, step: Callable[[int], None], stop: threading.Event) -> None:
        super().__init__(name=name, daemon=True)
        self.step = step
        self.stop_event = stop
        self.steps = 0
        self.failure: BaseException | None = None

    def run(self) -> None:
        number = 0
        while not self.stop_event.is_set():
            number += 1
            try:
                self.step(number)
                self.steps += 1
            except Unanswered:
                time.sleep(0.2)
            except StopIteration:
                return
            except BaseException as error:  # reported by the test, never swallowed
                self.failure = error
                return


def _keys(home: Path) -> dict[str, tuple[bytes, bytes]]:
    keys = {}
    for line in (home / "demo-key-passphrases.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or "\t" not in line:
            continue
        username, passphrase = line.split("\t")[:2]
        pem = (home / "demo-keys" / f"{username}.pem").read_bytes()
        keys[username] = (pem, passphrase.encode())
    return keys


class Workload:
    """The writers of one run against ``base_url``; ``seed`` is what ``seed.py`` wrote."""

    def __init__(self, base_url: str, home: Path, seed: dict[str, Any]) -> None:
        self.base_url = base_url
        self.home = home
        self.seed = seed
        self.ledger = Ledger()
        self.tokens: dict[str, str] = seed["tokens"]
        self.plan = seed["plan"]
        self.keys = _keys(home)
        self.signing_queue = [
            (entry["plan"], entry["version"], code)
            for entry in seed["signing"]
            for code in ("MLI", "BFA", "NER")
        ]
        self.stop = threading.Event()

    def client(self, username: str) -> Client:
        return Client(self.base_url, self.ledger, self.tokens[username])

    # -- freezes ------------------------------------------------------------------------
    def freeze_step(self) -> Callable[[int], None]:
        client = self.client("secretariat")

        def step(number: int) -> None:
            note = f"crash-freeze-{number}"
            response = client.call(
                "POST", f"/api/v1/plans/{self.plan}/versions", json={"note": note}
            )
            if response.status_code < 400:
                with self.ledger.lock:
                    self.ledger.freezes.append(note)

        return step

    # -- comments ------------------------------------------------------------------------
    def comment_step(self) -> Callable[[int], None]:
        client = self.client("expert.mli")

        def step(number: int) -> None:
            body = f"crash-comment-{number}"
            response = client.call(
                "POST",
                f"/api/v1/plans/{self.plan}/items/{self.plan}/comments",
                json={"body": body},
            )
            if response.status_code < 400:
                with self.ledger.lock:
                    self.ledger.comments.append(body)

        return step

    # -- signatures ----------------------------------------------------------------------
    def signature_step(self) -> Callable[[int], None]:
        clients = {
            code: self.client(f"validateur.{code.lower()}") for code in ("MLI", "BFA", "NER")
        }

        def step(_number: int) -> None:
            if not self.signing_queue:
                raise StopIteration
            plan, version, code = self.signing_queue[0]
            client = clients[code]
            issued = client.call(
                "POST",
                f"/api/v1/validation/plans/{plan}/versions/{version}/statements",
                json={"member_state": code, "decision": "approve"},
            )
            assert issued.status_code == 200, issued.text
            statement = issued.json()
            if statement["signed"]:  # an earlier, unanswered submission was recorded
                self.signing_queue.pop(0)
                return
            pem, passphrase = self.keys[f"validateur.{code.lower()}"]
            data = base64.b64decode(statement["statement_base64"])
            signature = base64.b64encode(sign_bytes(pem, passphrase, data)).decode()
            response = client.call(
                "POST",
                f"/api/v1/validation/statements/{statement['uid']}/signature",
                json={"signature": signature},
            )
            if response.status_code == 201:
                with self.ledger.lock:
                    self.ledger.signatures.append(statement["uid"])
                self.signing_queue.pop(0)
            else:  # 403: recorded by an unanswered earlier attempt, seen at the next step
                assert response.status_code in (403, 409), response.text

        return step

    # -- progress reports ----------------------------------------------------------------
    def report_step(self) -> Callable[[int], None]:
        focal_points = {
            code: self.client(f"pointfocal.{code.lower()}") for code in self.seed["reports"]
        }
        secretariat = self.client("secretariat")
        period = self.seed["period"]

        def step(number: int) -> None:
            codes = sorted(self.seed["reports"])
            code = codes[number % len(codes)]
            path = f"/api/v1/monitoring/periods/{period}/reports/{code}"
            current = focal_points[code].call("GET", path)
            report = current.json() if current.status_code == 200 else None
            if report is not None and report["status"] == "submitted":
                response = secretariat.call(
                    "POST",
                    f"/api/v1/monitoring/reports/{report['id']}/review",
                    json={
                        "lock_version": report["lock_version"],
                        "accept": False,
                        "reason": f"crash-return-{number}",
                    },
                )
                if response.status_code < 400:
                    with self.ledger.lock:
                        self.ledger.report_events[(report["id"], "return")] += 1
                return
            lines = [
                {
                    "action": action,
                    "status": "on_track",
                    "percent_complete": number % 100,
                    "narrative": f"crash-report-{number}",
                }
                for action in self.seed["reports"][code]
            ]
            response = focal_points[code].call(
                "PUT",
                path,
                json={
                    "lock_version": report["lock_version"] if report else 0,
                    "lines": lines,
                    "submit": True,
                },
            )
            if response.status_code < 400:
                with self.ledger.lock:
                    self.ledger.report_events[(response.json()["id"], "submit")] += 1
            else:
                assert response.status_code in (409, 422), response.text

        return step

    # -- XLSX imports --------------------------------------------------------------------
    def import_step(self) -> Callable[[int], None]:
        api = self.client("secretariat")
        browser = Client(self.base_url, self.ledger)
        account = demo_accounts(self.home)["secretariat"]

        def login() -> None:
            """Both steps of the log-in (password, then the TOTP code); a kill meanwhile
            leaves the outcome unknown: the next step logs in again, with a fresh code."""
            browser.session.cookies.clear()
            try:
                log_in(browser.session, self.base_url, account, timeout=TIMEOUT)
            except requests.RequestException as error:
                with self.ledger.lock:
                    self.ledger.unanswered += 1
                browser.session.cookies.clear()
                raise Unanswered(str(error)) from None

        def step(number: int) -> None:
            if "sessionid" not in browser.session.cookies:
                login()
            exported = api.call("GET", f"/api/v1/plans/{self.plan}/export.xlsx")
            assert exported.status_code == 200, exported.text[:500]
            workbook = openpyxl.load_workbook(io.BytesIO(exported.content))
            sheet = workbook["Actions"]
            first = next(row for row in range(1, 6) if "Intitulé" in [c.value for c in sheet[row]])
            header = [cell.value for cell in sheet[first]]
            title = header.index("Intitulé") + 1
            uid = header.index("Identifiant") + 1
            rows = [
                row
                for row in range(first + 1, sheet.max_row + 1)
                if sheet.cell(row, uid).value not in (None, "", "masqué")
            ]
            for row in (rows[0], rows[-1]):  # two actions changed by one import
                cell = sheet.cell(row, title)
                cell.value = IMPORT_MARK.sub("", str(cell.value)) + f" [import {number}]"
            content = io.BytesIO()
            workbook.save(content)
            response = browser.call(
                "POST",
                f"/plans/{self.plan}/importer/",
                data={"csrfmiddlewaretoken": browser.session.cookies.get("csrftoken", "")},
                files={"file": ("plan.xlsx", content.getvalue())},
                headers={"Referer": self.base_url + f"/plans/{self.plan}/importer/"},
            )
            if response.status_code == 302 and "/connexion/" in response.headers["Location"]:
                login()
                return
            if response.status_code == 302:
                with self.ledger.lock:
                    self.ledger.imports.append(number)
            else:  # a conflict with an unanswered earlier import: export again next time
                assert response.status_code == 200, response.text[:500]

        return step

    def writers(self) -> list[Writer]:
        return [
            Writer("freeze", self.freeze_step(), self.stop),
            Writer("comment", self.comment_step(), self.stop),
            Writer("signature", self.signature_step(), self.stop),
            Writer("report", self.report_step(), self.stop),
            Writer("import", self.import_step(), self.stop),
        ]
