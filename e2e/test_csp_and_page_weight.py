"""Every page of every app, as each demo role: no CSP violation, and light enough for slow links.

The pages are found, not listed: each demo user (one per role) follows the links of the pages
it can reach from the home page; every route of the URL resolver reached that way is visited
once, by the first role that reaches it (``LIPTAKO_PAGE_WEIGHT_PER_ROUTE`` pages per route).
Every app namespace of the resolver must be reached, so a new app is covered without editing
this file.

For each page the bytes that crossed the network (Chromium's ``encodedDataLength``: headers
and compressed bodies of the page and of everything it loads) are counted on a first visit
(empty cache) and on the next one (cache kept): at most 150 KB and 30 KB (the issue's
budgets, ``LIPTAKO_PAGE_BUDGET_FIRST_KB`` / ``LIPTAKO_PAGE_BUDGET_NEXT_KB``). With
``LIPTAKO_WRITE_PAGE_WEIGHTS=1`` (``make bench-page-weight``) the figures per page are written
to docs/benchmarks.md.
"""

from __future__ import annotations

import os
import re
import time
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from django.urls import Resolver404, get_resolver, resolve
from playwright.sync_api import Browser, BrowserContext, Page

from e2e import conftest
from e2e.conftest import DemoAccount, Instance

pytestmark = pytest.mark.e2e

FIRST_VISIT_BUDGET = int(os.environ.get("LIPTAKO_PAGE_BUDGET_FIRST_KB", "150")) * 1024
NEXT_VISIT_BUDGET = int(os.environ.get("LIPTAKO_PAGE_BUDGET_NEXT_KB", "30")) * 1024
PAGES_PER_ROUTE = int(os.environ.get("LIPTAKO_PAGE_WEIGHT_PER_ROUTE", "1"))
#: How many pages of one route a user's crawl opens to look for links (one is enough for the
#: links of the navigation and the object pages; more multiplies the time of the sweep).
CRAWL_PER_ROUTE = 1
BENCHMARKS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
BEGIN = "<!-- bench:page-weight:begin (written by `make bench-page-weight`) -->"
END = "<!-- bench:page-weight:end -->"

#: Namespaces that have no page of their own to reach by a link, with the reason.
NOT_PAGES = {
    "api": "the JSON API (its docs page is a developer tool loading Swagger UI, not an app page)",
    "documents": "downloads (PDF, Word), not pages",
}

# Recorded by an init script (CDP-injected, so the page's CSP does not stop it).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline")
    + " at " + (event.sourceFile || "") + ":" + event.lineNumber);
});
"""


class LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


@dataclass
class Measure:
    route: str
    path: str
    role: str
    first: int = 0
    next: int = 0
    requests: int = 0
    problems: list[str] = field(default_factory=list)


def route_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def log_in(page: Page, instance: Instance, account: DemoAccount) -> None:
    """The shared log-in (password, then the second factor where the role needs one)."""
    conftest.log_in(page, instance, account.username)
    page.wait_for_url(re.compile(r"^(?!.*connexion).*$"))


def one_account_per_role(instance: Instance) -> list[DemoAccount]:
    accounts: dict[str, DemoAccount] = {}
    for account in sorted(instance.accounts.values(), key=lambda account: account.username):
        accounts.setdefault(account.role, account)
    return list(accounts.values())


def crawl(context: BrowserContext, instance: Instance) -> dict[str, list[str]]:
    """Route name → paths this user reaches by following links from the home page."""
    found: dict[str, list[str]] = {}
    queue = deque(["/"])
    seen = {"/"}
    while queue:
        path = queue.popleft()
        name = route_name(urlsplit(path).path)
        if name is None or name.split(":")[0] in NOT_PAGES:
            continue
        if len(found.get(name, [])) >= CRAWL_PER_ROUTE:
            continue
        response = context.request.get(instance.url(path), max_redirects=0)
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        found.setdefault(name, []).append(path)
        finder = LinkFinder()
        finder.feed(response.text())
        for link in finder.links:
            target = urlsplit(urldefrag(link)[0])
            if target.netloc and instance.url("").find(target.netloc) == -1:
                continue
            if not target.path.startswith("/") or target.path.startswith(("/static/", "/i18n/")):
                continue
            next_path = target.path + (f"?{target.query}" if target.query else "")
            if next_path not in seen:
                seen.add(next_path)
                queue.append(next_path)
    return found


def bytes_of_visit(page: Page, url: str) -> tuple[int, int, list[str]]:
    """Bytes received for loading ``url`` (headers and encoded bodies), requests, problems.

    Counts until the page has loaded and every request it started (HTMX fragments loaded on
    arrival included) has finished: quicker than Playwright's "networkidle" (500 ms of quiet).
    """
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    received: dict[str, int] = {}
    in_flight: set[str] = set()
    failed: list[str] = []

    def sent(event: dict[str, Any]) -> None:
        in_flight.add(str(event["requestId"]))

    def finished(event: dict[str, Any]) -> None:
        in_flight.discard(str(event["requestId"]))
        received[str(event["requestId"])] = int(event["encodedDataLength"])

    def failure(event: dict[str, Any]) -> None:
        in_flight.discard(str(event["requestId"]))
        if not event.get("canceled"):
            failed.append(f"request failed: {event.get('errorText')}")

    session.on("Network.requestWillBeSent", sent)
    session.on("Network.loadingFinished", finished)
    session.on("Network.loadingFailed", failure)
    page.goto(url, wait_until="load")
    deadline = time.monotonic() + 15
    quiet_rounds = 0
    while quiet_rounds < 3 and time.monotonic() < deadline:
        page.wait_for_timeout(50)
        quiet_rounds = quiet_rounds + 1 if not in_flight else 0
    if in_flight:
        failed.append(f"{len(in_flight)} requests still running after 15 s")
    violations = page.evaluate("window.__cspViolations || []")
    session.detach()
    return sum(received.values()), len(received), failed + [f"CSP: {v}" for v in violations]


def measure(page: Page, instance: Instance, path: str) -> tuple[int, int, int, list[str]]:
    session = page.context.new_cdp_session(page)
    session.send("Network.clearBrowserCache")
    session.detach()
    first, requests, problems = bytes_of_visit(page, instance.url(path))
    again, _, more = bytes_of_visit(page, instance.url(path))
    return first, again, requests, problems + more


def write_figures(measures: list[Measure]) -> None:
    rows = [
        "| page (route) | path | role | first visit (KB) | next visit (KB) | requests |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    for item in sorted(measures, key=lambda item: item.route):
        rows.append(
            f"| `{item.route}` | `{item.path}` | {item.role} | {item.first / 1024:.1f} "
            f"| {item.next / 1024:.1f} | {item.requests} |"
        )
    heaviest = max(measures, key=lambda item: item.first)
    heaviest_next = max(measures, key=lambda item: item.next)
    section = "\n".join(
        [
            BEGIN,
            "## Page weight on slow links (browser test `e2e/test_csp_and_page_weight.py`)",
            "",
            f"{len(measures)} pages (every route reached from the home page by one demo user per "
            "role), bytes received by Chromium (headers and compressed bodies of the page and "
            "everything it loads). Budgets: 150 KB on a first visit (empty cache), 30 KB on the "
            f"next one. Heaviest first visit: `{heaviest.route}` "
            f"{heaviest.first / 1024:.1f} KB; heaviest next visit: `{heaviest_next.route}` "
            f"{heaviest_next.next / 1024:.1f} KB. Rerun: `make bench-page-weight`.",
            "",
            *rows,
            END,
        ]
    )
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    BENCHMARKS.write_text(text, encoding="utf-8")


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the browser tests' instance always runs on SQLite: CI's PostgreSQL run of "
    "`make test` would repeat this sweep identically",
)
def test_every_page_respects_the_csp_and_the_slow_link_budgets(
    browser: Browser, instance: Instance
) -> None:
    started = time.monotonic()
    crawling = 0.0
    measures: list[Measure] = []
    done: dict[str, int] = {}
    for account in one_account_per_role(instance):
        context = browser.new_context(locale="fr-FR", viewport={"width": 1024, "height": 768})
        context.set_default_timeout(30_000)
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error, errors=errors: errors.append(f"script error: {error}"))
        try:
            log_in(page, instance, account)
            crawl_started = time.monotonic()
            found = crawl(context, instance)
            crawling += time.monotonic() - crawl_started
            for name, paths in found.items():
                for path in paths[: max(0, PAGES_PER_ROUTE - done.get(name, 0))]:
                    first, again, requests, problems = measure(page, instance, path)
                    measures.append(
                        Measure(name, path, account.role, first, again, requests, problems + errors)
                    )
                    errors.clear()
                    done[name] = done.get(name, 0) + 1
        finally:
            context.close()

    print(  # shown with -s: where the time of the sweep goes
        f"page sweep: {len(measures)} pages in {time.monotonic() - started:.0f} s, "
        f"crawling {crawling:.0f} s"
    )
    if os.environ.get("LIPTAKO_WRITE_PAGE_WEIGHTS") == "1":
        write_figures(measures)

    namespaces = {
        namespace for namespace in get_resolver().namespace_dict if namespace not in NOT_PAGES
    }
    reached = {item.route.split(":")[0] for item in measures if ":" in item.route}
    assert namespaces - reached == set(), "apps with no page reached from the home page"
    failures = [
        f"{item.route} {item.path} ({item.role}): {item.problems}"
        for item in measures
        if item.problems
    ]
    failures += [
        f"{item.route} {item.path} ({item.role}): {item.first} B on a first visit"
        for item in measures
        if item.first > FIRST_VISIT_BUDGET
    ]
    failures += [
        f"{item.route} {item.path} ({item.role}): {item.next} B on the next visit"
        for item in measures
        if item.next > NEXT_VISIT_BUDGET
    ]
    assert failures == []
    assert len(measures) >= len(namespaces)
