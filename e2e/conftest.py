"""Browser tests: a real Liptako instance (`liptako serve`) driven by Debian's Chromium.

The instance gets its own LIPTAKO_HOME and SQLite database in a temporary folder, whatever
DATABASE_URL the rest of the suite runs on: the browser tests check what a person sees, the
database backends are covered by the unit tests.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from durability.login import totp_code as durability_totp_code
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
HEALTH_TIMEOUT_SECONDS = 180


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    member_state: str
    totp_secret: str = ""  # base32; the accounts whose role requires a second factor
    recovery_codes: tuple[str, ...] = ()  # single use; second_factor_code spends them


# Recovery codes this run has not used yet, per username.
_unused_recovery_codes: dict[str, list[str]] = {}


LOGIN_PATH = "/comptes/connexion/"
LOGIN_CODE_PATH = "/comptes/connexion/code/"


def totp_code(account: DemoAccount) -> str:
    """The code the reviewer's authenticator app would show for ``account``: a step this run
    has not used yet (the next step's code is accepted early, so a second log-in of the same
    account within 30 s does not wait; durability/login.py)."""
    code = durability_totp_code(account.totp_secret)
    assert code is not None
    return code


def second_factor_code(account: DemoAccount) -> str:
    """A TOTP code when one is free now, else one of the account's recovery codes (each used
    once), as a person logging in for the third time in a minute would: no test waits for the
    next 30-second step while recovery codes remain."""
    code = durability_totp_code(account.totp_secret, wait=False)
    if code is not None:
        return code
    unused = _unused_recovery_codes.setdefault(account.username, list(account.recovery_codes))
    if unused:
        return unused.pop()
    return totp_code(account)


def log_in(page: Page, instance: Instance, username: str) -> None:
    """Log ``username`` in through the log-in page (opened unless the page is on it already),
    then give the second factor when asked: the TOTP code computed from the demo's secret."""
    account = instance.accounts[username]
    if LOGIN_PATH not in page.url:
        page.goto(instance.url(LOGIN_PATH))
    page.locator("input[name=username]").fill(account.username)
    page.locator("input[name=password]").fill(account.password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    if LOGIN_CODE_PATH in page.url:
        page.locator("input[name=code]").fill(second_factor_code(account))
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()


DEMO_PLAN_TITLE = "Plan d'action Défense et Sécurité 2025"


def demo_plan(listing: dict | list) -> dict:
    """The demo plan in the API's plan list (other browser tests create plans of their own, so
    the demo plan is not always the first)."""
    plans = listing["items"] if isinstance(listing, dict) else listing
    return next(plan for plan in plans if plan["title"] == DEMO_PLAN_TITLE)


@dataclass(frozen=True)
class Instance:
    base_url: str
    home: Path
    accounts: dict[str, DemoAccount]

    def url(self, path: str) -> str:
        return self.base_url + path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _read_accounts(path: Path) -> dict[str, DemoAccount]:
    accounts = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if line.startswith("#") or len(fields) < 3:
            continue
        username, password, role = fields[:3]
        member_state = fields[3] if len(fields) > 3 else ""
        totp_secret = fields[4] if len(fields) > 4 else ""
        recovery_codes = tuple(filter(None, fields[5].split(","))) if len(fields) > 5 else ()
        accounts[username] = DemoAccount(
            username, password, role, member_state, totp_secret, recovery_codes
        )
    return accounts


def _liptako(*arguments: str, environment: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "liptako", *arguments],
        env=environment,
        check=True,
        timeout=600,
        stdout=subprocess.DEVNULL,
    )


@pytest.fixture(scope="session")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `make install` (as root) installs Debian's chromium")
    home = tmp_path_factory.mktemp("e2e-home")
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DEBUG", "LIPTAKO_STATIC_MANIFEST", "DJANGO_SETTINGS_MODULE"}
    }
    environment["LIPTAKO_HOME"] = str(home)
    _liptako("migrate", "--no-input", environment=environment)
    _liptako("demo", environment=environment)
    accounts = _read_accounts(home / "demo-accounts.txt")

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    with (home / "serve.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "liptako", "serve", "--port", str(port), "--workers", "2"],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for_health(base_url, server)
            yield Instance(base_url=base_url, home=home, accounts=accounts)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_for_health(base_url: str, server: subprocess.Popen[bytes]) -> None:
    # Generous: on a loaded machine collectstatic and the first worker can take a while.
    deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"liptako serve exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:  # refused, reset or timed out while gunicorn starts
            time.sleep(0.2)
    raise RuntimeError(f"{base_url}/healthz did not answer within {HEALTH_TIMEOUT_SECONDS} s")


@pytest.fixture(scope="session")
def browser(instance: Instance) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser profile per test, French like the alliance's users; a screenshot on
    failure in e2e/artifacts/."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1024, "height": 768})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report
