"""The roadmap of a year: a server-side SVG timeline, and its page."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ElementTree
from datetime import date, timedelta

import pytest
import time_machine

from liptako.plans import services
from liptako.plans.roadmap import RoadmapEntry, render_roadmap_svg

MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
          "nov.", "déc."]  # fmt: skip
SVG = "{http://www.w3.org/2000/svg}"


def render(entries, today=date(2025, 6, 15)) -> str:
    return render_roadmap_svg(
        entries,
        year=2025,
        today=today,
        month_names=MONTHS,
        state_names={"MLI": "Mali", "BFA": "Burkina Faso", "NER": "Niger"},
        title="Feuille de route 2025",
        redacted_label="(action restreinte)",
        legend_label="État pilote :",
        today_label="Aujourd'hui",
    )


def entry(code: str, axis: str = "A1 Interopérabilité", **kwargs) -> RoadmapEntry:
    values = {
        "title": f"Action {code}",
        "lead_state": "MLI",
        "start": date(2025, 2, 1),
        "end": date(2025, 5, 31),
    }
    values.update(kwargs)
    return RoadmapEntry(axis=axis, code=code, **values)


def test_it_is_valid_svg_with_bars_grouped_by_axis_and_a_legend():
    svg = render(
        [
            entry("A1.1.1"),
            entry("A1.1.2", lead_state="BFA"),
            entry("A2.1.1", axis="A2 Formation", lead_state="NER"),
        ]
    )
    root = ElementTree.fromstring(svg)  # noqa: S314 (our own output)
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert "A1 Interopérabilité" in texts
    assert "A2 Formation" in texts
    assert any(t.startswith("A1.1.2 Action A1.1.2") for t in texts)
    assert {"Mali", "Burkina Faso", "Niger"} <= set(texts)
    assert "janv." in texts
    assert "déc." in texts
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 3
    assert len({bar.get("fill") for bar in bars}) == 3  # one colour per lead state


def test_a_bar_spans_its_dates_and_is_clipped_to_the_year():
    svg = render([entry("A", start=date(2024, 10, 1), end=date(2025, 12, 31))])
    root = ElementTree.fromstring(svg)  # noqa: S314 (our own output)
    bar = next(r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None)
    assert float(bar.get("x")) == pytest.approx(330.0)
    assert float(bar.get("width")) == pytest.approx(720.0)


def test_todays_line_is_drawn_only_within_the_year():
    assert "Aujourd'hui" in render([entry("A")], today=date(2025, 7, 1))
    assert "Aujourd'hui" not in render([entry("A")], today=date(2026, 1, 2))


def test_a_redacted_entry_shows_its_code_and_marking_only():
    svg = render([RoadmapEntry(axis="A1 X", code="A1.1.3", marking="DR", is_redacted=True)])
    assert "A1.1.3 — DR (action restreinte)" in svg
    assert "<title>A1.1.3" not in svg


def test_text_is_escaped():
    svg = render([entry("A", title="Cours <script> & co")])
    ElementTree.fromstring(svg)  # noqa: S314 (our own output)
    assert "<script>" not in svg


def test_five_hundred_actions_stay_under_300_kb():
    entries = [
        entry(
            f"A{n // 100 + 1}.{n // 10 % 10 + 1}.{n % 10 + 1}",
            axis=f"A{n // 100 + 1} Axe numéro {n // 100 + 1} de la coopération",
            title="Harmoniser les procédures de transmission entre les états-majors " * 2,
            lead_state=("MLI", "BFA", "NER")[n % 3],
            start=date(2025, 1, 1) + timedelta(days=n % 200),
            end=date(2025, 7, 1) + timedelta(days=n % 150),
        )
        for n in range(500)
    ]
    assert len(render(entries).encode()) < 300_000


@pytest.mark.django_db
def test_the_roadmap_page_shows_the_years_actions_and_filters(client, small_plan, observer):
    client.force_login(observer)
    with time_machine.travel("2025-06-01 08:00:00+00:00"):
        response = client.get(f"/plans/{small_plan.plan.uid}/feuille-de-route/2025/")
    body = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "<svg" in body
    assert "<script" not in body.split("<svg", 1)[1].split("</svg>")[0]
    assert "Harmoniser les procédures de transmission" in body
    assert "Plan de fréquences partagé" not in body  # DR, redacted for this reader
    assert small_plan.action_dr.code in body
    filtered = html.unescape(
        client.get(
            f"/plans/{small_plan.plan.uid}/feuille-de-route/2025/", {"lead_state": "BFA"}
        ).content.decode()
    )
    assert "Harmoniser les procédures de transmission" not in filtered
    assert "roadmap-source" not in body  # no version in force yet: the draft, without a note


def adopt(version, secretariat) -> None:
    """The row the validation workflow leaves on a version it adopts. Its services need keys
    and signatures of every member state (validation's tests go through them); here only
    the outcome matters."""
    from liptako.validation.models import VersionState, VersionStatus

    VersionState.objects.create(
        version=version,
        plan=version.plan,
        status=VersionStatus.ADOPTED,
        opened_by=secretariat,
        quorum={},
    )


@pytest.mark.django_db
def test_once_adopted_the_roadmap_shows_the_version_in_force_and_offers_the_draft(
    client, small_plan, secretariat, observer
):
    plan = small_plan.plan
    adopt(services.plan_version_freeze(plan=plan, actor=secretariat), secretariat)
    services.action_update(
        action=small_plan.action_np,
        actor=secretariat,
        lock_version=small_plan.action_np.lock_version,
        data={"title": "Intitulé révisé dans le brouillon"},
    )
    client.force_login(observer)
    url = f"/plans/{plan.uid}/feuille-de-route/2025/"
    with time_machine.travel("2025-06-01 08:00:00+00:00"):
        adopted = html.unescape(client.get(url).content.decode())
        draft = html.unescape(client.get(url, {"version": "brouillon"}).content.decode())
        filtered = html.unescape(client.get(url, {"lead_state": "BFA"}).content.decode())
    assert "Harmoniser les procédures de transmission" in adopted
    assert "Intitulé révisé dans le brouillon" not in adopted
    assert "montre la <strong>version 1, adoptée</strong>" in adopted
    assert f'href="{url}?version=brouillon"' in adopted
    assert "Plan de fréquences partagé" not in adopted  # DR: redacted in the version too
    assert small_plan.action_dr.code in adopted

    assert "Intitulé révisé dans le brouillon" in draft
    assert "Harmoniser les procédures de transmission" not in draft
    assert "<strong>brouillon en cours</strong>, qui n'est pas adopté" in draft
    assert '<input type="hidden" name="version" value="brouillon">' in draft  # filters stay

    # The filters apply to the version as to the draft.
    assert "Harmoniser les procédures de transmission" not in filtered
    assert "<strong>version 1, adoptée</strong>" in filtered


@pytest.mark.django_db
def test_the_roadmap_of_a_year_far_from_the_plan_is_not_found(client, small_plan, secretariat):
    client.force_login(secretariat)
    assert client.get(f"/plans/{small_plan.plan.uid}/feuille-de-route/2031/").status_code == 404
