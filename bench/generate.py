"""Large plans for the benchmarks, written quickly into the configured database.

``python bench/generate.py --actions 1000`` fills the database that ``DATABASE_URL`` /
``LIPTAKO_HOME`` point to (the same environment as ``liptako``): an alliance (the existing one
with acronym AES, else a new one with Mali, Burkina Faso and Niger), a benchmark secretariat
account, then a plan of ``--actions`` actions spread over 5 axes and 20 objectives, three
indicators and one or two milestones per action, lead and partner states, mostly NP with some
DR and C actions. ``--versions`` also freezes version 1, changes the draft through the services
(retitled and re-dated actions, retargeted indicators, added, deleted and moved actions) and
freezes version 2, for the diff.

Axes, objectives and the plan itself go through the plans services. Actions, indicators and
milestones are written with ``bulk_create`` (a generator, not a service: one INSERT per table
instead of thousands of audited service calls), but with exactly what the services would
store: uids, 1-based positions among siblings, automatic codes (``A1.2.3``, ``I1.2.3.1``), the
search text, valid dates, measures and targets. :func:`check_plan` proves it: the services'
own renumbering finds nothing to change and every row passes ``full_clean``. One audit event
(``plan.generate``) records the generation.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from liptako.accounts.models import User
    from liptako.alliance.models import Alliance, MemberState, Organisation
    from liptako.core.models import MarkingLevel
    from liptako.plans.models import Plan, PlanVersion

SOURCE = Path(__file__).resolve().parent.parent / "src"
BENCH_USERNAME = "bench-secretariat"
PERIOD_START = dt.date(2025, 1, 1)
PERIOD_END = dt.date(2025, 12, 31)

AXES = [
    ("Interopérabilité des forces", "Transmissions, procédures et équipements communs."),
    ("Formation et entraînement", "Écoles, cursus et exercices conjoints."),
    ("Soutien logistique et médical", "Chaînes d'approvisionnement et soutien santé partagés."),
    ("Renseignement et partage d'information", "Échanges structurés entre états-majors."),
    ("Relations civilo-militaires", "Coordination avec les autorités civiles et les populations."),
]
OBJECTIVE_STEMS = [
    "Harmoniser les procédures",
    "Renforcer les capacités",
    "Mutualiser les moyens",
    "Évaluer et capitaliser",
]
VERBS = [
    "Organiser",
    "Élaborer",
    "Équiper",
    "Former",
    "Déployer",
    "Évaluer",
    "Coordonner",
    "Mettre en place",
    "Réviser",
    "Financer",
]
SUBJECTS = [
    "un atelier régional sur les transmissions sécurisées",
    "le guide commun des procédures d'état-major",
    "les unités frontalières en moyens radio interopérables",
    "les instructeurs des écoles de sous-officiers",
    "une équipe médicale mobile conjointe",
    "l'exercice conjoint annuel de poste de commandement",
    "le réseau de correspondants logistiques",
    "la cellule de coordination civilo-militaire",
    "le plan de fréquences partagé",
    "la formation au droit international humanitaire",
    "le stock régional de pièces de rechange",
    "le dispositif de soutien santé de l'avant",
]
PLACES = ["Bamako", "Ouagadougou", "Niamey", "Gao", "Dori", "Tillabéri", "Mopti", "Fada N'Gourma"]
UNITS = {"number": "unités", "percentage": "%", "yes_no": "", "qualitative": ""}


@dataclass
class BenchContext:
    """Who and what a generated plan refers to."""

    alliance: Alliance
    states: list[MemberState]
    organisations: dict[int, list[Organisation]]  # member state id → its organisations
    alliance_bodies: list[Organisation]
    secretariat: User
    markings: dict[str, MarkingLevel]


@dataclass
class GeneratedPlan:
    plan: Plan
    actions: int
    indicators: int
    milestones: int
    versions: list[PlanVersion] = field(default_factory=list)
    changes: dict[str, int] = field(default_factory=dict)


def setup_django() -> None:
    """Configure Django from the environment, as the ``liptako`` command does."""
    if str(SOURCE) not in sys.path:
        sys.path.insert(0, str(SOURCE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liptako.settings")
    import django

    django.setup()


def bench_context(*, password: str | None = None) -> BenchContext:
    """The alliance (created when missing), its organisations and the bench secretariat.

    The secretariat account holds the highest clearance so that it sees every action: the
    benchmarks measure the full plan. ``password`` None keeps an existing account's password
    (or creates one that cannot log in: the benchmarks log in without a password).
    """
    from django.db import transaction

    from liptako.accounts.models import Membership, Role, User
    from liptako.accounts.services import membership_grant, user_create
    from liptako.alliance import services as alliance_services
    from liptako.alliance.models import Alliance, MemberState, Organisation, OrganisationKind
    from liptako.core.models import MarkingLevel

    markings = {level.code: level for level in MarkingLevel.objects.order_by("rank")}
    highest = MarkingLevel.objects.order_by("-rank").first()
    with transaction.atomic():
        alliance = Alliance.objects.filter(acronym="AES").first()
        if alliance is None:
            alliance = alliance_services.alliance_create(
                actor=None, name="Alliance des États du Sahel", acronym="AES"
            )
        states = list(MemberState.objects.filter(alliance=alliance).order_by("code"))
        if not states:
            for code, name, capital, zone in (
                ("BFA", "Burkina Faso", "Ouagadougou", "Africa/Ouagadougou"),
                ("MLI", "Mali", "Bamako", "Africa/Bamako"),
                ("NER", "Niger", "Niamey", "Africa/Niamey"),
            ):
                states.append(
                    alliance_services.member_state_create(
                        actor=None,
                        alliance=alliance,
                        code=code,
                        name=name,
                        capital=capital,
                        timezone=zone,
                    )
                )
        organisations: dict[int, list[Organisation]] = {}
        for state in states:
            mine = list(Organisation.objects.filter(alliance=alliance, member_state=state))
            if not mine:
                mine = [
                    alliance_services.organisation_create(
                        actor=None,
                        alliance=alliance,
                        kind=kind,
                        name=f"{name} ({state.code})",
                        member_state=state,
                    )
                    for kind, name in (
                        (OrganisationKind.GENERAL_STAFF, "État-major général des armées"),
                        (OrganisationKind.DIRECTORATE, "Direction des transmissions"),
                    )
                ]
            organisations[state.pk] = mine
        bodies = list(Organisation.objects.filter(alliance=alliance, member_state__isnull=True))
        if not bodies:
            bodies = [
                alliance_services.organisation_create(
                    actor=None,
                    alliance=alliance,
                    kind=OrganisationKind.ALLIANCE_BODY,
                    name="Secrétariat permanent",
                )
            ]
        secretariat = User.objects.filter(username=BENCH_USERNAME).first()
        if secretariat is None:
            secretariat = user_create(
                actor=None,
                username=BENCH_USERNAME,
                password=password,
                email="bench-secretariat@example.org",
                first_name="Banc",
                last_name="d'essai",
                clearance=highest,
            )
        elif password is not None:
            secretariat.set_password(password)
            secretariat.save(update_fields=["password"])
        if not Membership.objects.filter(user=secretariat, role=Role.SECRETARIAT).exists():
            membership_grant(actor=None, user=secretariat, role=Role.SECRETARIAT)
    return BenchContext(
        alliance=alliance,
        states=states,
        organisations=organisations,
        alliance_bodies=bodies,
        secretariat=User.objects.get(pk=secretariat.pk),  # fresh: no cached access
        markings=markings,
    )


def _spread(total: int, buckets: int, rng: random.Random) -> list[int]:
    """``total`` split into ``buckets`` uneven, positive-when-possible parts."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(buckets)]
    scale = total / sum(weights)
    counts = [int(weight * scale) for weight in weights]
    for index in range(total - sum(counts)):
        counts[index % buckets] += 1
    return counts


def _indicator_values(rng: random.Random, measure: str) -> dict[str, Any]:
    if measure == "qualitative":
        return {
            "baseline_text": "Aucun dispositif commun",
            "target_text": "Dispositif commun adopté et appliqué par les trois états",
        }
    if measure == "yes_no":
        return {"baseline_value": Decimal(0), "target_value": Decimal(1)}
    if measure == "percentage":
        baseline = rng.randrange(0, 50)
        return {
            "baseline_value": Decimal(baseline),
            "target_value": Decimal(rng.randrange(baseline + 10, 101)),
        }
    baseline = rng.randrange(0, 200)
    return {
        "baseline_value": Decimal(baseline),
        "target_value": Decimal(baseline + rng.randrange(5, 500)),
    }


def generate_plan(
    *,
    context: BenchContext,
    actions: int = 1000,
    indicators_per_action: int = 3,
    axes: int = 5,
    objectives_per_axis: int = 4,
    title: str | None = None,
    seed: int = 2025,
) -> GeneratedPlan:
    """A plan of ``actions`` actions, written in one transaction (see the module docstring)."""
    from django.db import transaction

    from liptako.audit.services import audit_record
    from liptako.plans import services
    from liptako.plans.models import Action, Indicator, Milestone

    rng = random.Random(seed)
    actor = context.secretariat
    states = context.states
    marking_codes = list(context.markings)  # by rank: NP, DR, C by default
    with transaction.atomic():
        plan = services.plan_create(
            actor=actor,
            alliance=context.alliance,
            title=title or f"Plan de banc d'essai — {actions} actions",
            description="Plan généré par bench/generate.py pour les mesures de performance.",
            period_start=PERIOD_START,
            period_end=PERIOD_END,
        )
        objectives = []
        for a in range(axes):
            axis_title, axis_description = AXES[a % len(AXES)]
            axis = services.axis_create(
                plan=plan,
                actor=actor,
                data={"title": axis_title, "description": axis_description},
            )
            for o in range(objectives_per_axis):
                objectives.append(
                    services.objective_create(
                        axis=axis,
                        actor=actor,
                        data={
                            "title": f"{OBJECTIVE_STEMS[o % len(OBJECTIVE_STEMS)]} "
                            f"({axis_title.lower()})",
                            "description": "Objectif spécifique de l'axe.",
                        },
                    )
                )
        counts = _spread(actions, len(objectives), rng)
        rows: list[Action] = []
        partner_rows: list[tuple[int, list[MemberState]]] = []
        releasable_rows: list[tuple[int, list[MemberState]]] = []
        for objective, count in zip(objectives, counts, strict=True):
            for n in range(1, count + 1):
                lead = rng.choice(states)
                others = [state for state in states if state.pk != lead.pk]
                partners = rng.sample(others, rng.randrange(0, len(others) + 1))
                start = PERIOD_START + dt.timedelta(days=rng.randrange(0, 240))
                end = min(start + dt.timedelta(days=rng.randrange(30, 300)), PERIOD_END)
                draw = rng.random()
                marking = marking_codes[0]
                if len(marking_codes) > 2 and draw < 0.05:
                    marking = marking_codes[2]
                elif len(marking_codes) > 1 and draw < 0.20:
                    marking = marking_codes[1]
                choice = rng.random()
                if choice < 0.6:
                    organisation = rng.choice(context.organisations[lead.pk])
                elif choice < 0.8:
                    organisation = rng.choice(context.alliance_bodies)
                else:
                    organisation = None
                action = Action(
                    plan=plan,
                    objective=objective,
                    position=n,
                    code=f"A{objective.axis.position}.{objective.position}.{n}",
                    title=f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)} à {rng.choice(PLACES)}",
                    description=(
                        f"Action conjointe pilotée par {lead.name}, en lien avec les états "
                        "partenaires, pour renforcer la coopération dans le cadre de l'axe "
                        f"{objective.axis.position}."
                    ),
                    lead_state=lead,
                    responsible_organisation=organisation,
                    start_date=start,
                    end_date=end,
                    budget_amount=(
                        Decimal(rng.randrange(20, 10_000) * 50_000) if rng.random() < 0.8 else None
                    ),
                    budget_currency="XOF",
                    priority=rng.choice(["high", "medium", "medium", "low"]),
                    classification=context.markings[marking],
                )
                action.search_text = action.computed_search_text()
                rows.append(action)
                partner_rows.append((len(rows) - 1, partners))
                if marking != marking_codes[0] and rng.random() < 0.5:
                    releasable_rows.append((len(rows) - 1, [lead, *partners]))
        created = Action.objects.bulk_create(rows, batch_size=500)
        partner_through = Action.partner_states.through
        partner_through.objects.bulk_create(
            [
                partner_through(action_id=created[index].pk, memberstate_id=state.pk)
                for index, partners in partner_rows
                for state in partners
            ],
            batch_size=1000,
        )
        releasable_through = Action.releasable_to.through
        releasable_through.objects.bulk_create(
            [
                releasable_through(action_id=created[index].pk, memberstate_id=state.pk)
                for index, released in releasable_rows
                for state in released
            ],
            batch_size=1000,
        )
        indicators: list[Indicator] = []
        milestones: list[Milestone] = []
        measures = ["number", "number", "percentage", "yes_no", "qualitative"]
        for action in created:
            for k in range(1, indicators_per_action + 1):
                measure = rng.choice(measures)
                indicators.append(
                    Indicator(
                        plan=plan,
                        action=action,
                        position=k,
                        code=f"I{action.code[1:]}.{k}",
                        name=f"Indicateur {k} de l'action {action.code}",
                        measure=measure,
                        unit=UNITS[measure],
                        direction="decrease" if rng.random() < 0.1 else "increase",
                        time_aggregation=rng.choice(["cumulative", "per_period", "latest"]),
                        state_aggregation=rng.choice(["sum", "mean", "none"]),
                        baseline_date=PERIOD_START if rng.random() < 0.5 else None,
                        tolerance=Decimal(10) if rng.random() < 0.3 else None,
                        means_of_verification="Rapports trimestriels des points focaux.",
                        **_indicator_values(rng, measure),
                    )
                )
            for m in range(1, rng.choice([1, 1, 2]) + 1):
                span = (action.end_date - action.start_date).days
                milestones.append(
                    Milestone(
                        plan=plan,
                        action=action,
                        position=m,
                        title=f"Jalon {m} : {rng.choice(['atelier tenu', 'rapport remis'])}",
                        due_date=action.start_date + dt.timedelta(days=span * m // 2),
                    )
                )
        Indicator.objects.bulk_create(indicators, batch_size=1000)
        Milestone.objects.bulk_create(milestones, batch_size=1000)
        audit_record(
            actor=actor,
            verb="plan.generate",
            target=plan,
            payload={
                "uid": str(plan.uid),
                "generator": "bench/generate.py",
                "actions": len(created),
                "indicators": len(indicators),
                "milestones": len(milestones),
                "seed": seed,
            },
        )
    return GeneratedPlan(
        plan=plan, actions=len(created), indicators=len(indicators), milestones=len(milestones)
    )


def check_plan(plan: Plan) -> int:
    """Fail unless the generated rows are what the services would have stored.

    Returns how many rows the services' renumbering changed (0 for a correct plan; it runs
    inside a transaction rolled back at the end, so the check writes nothing).
    """
    from django.db import transaction

    from liptako.plans import services
    from liptako.plans.models import Action, Indicator, Milestone

    class _Rollback(Exception):
        pass

    changed = 0
    try:
        with transaction.atomic():
            changed = services._renumber(plan)
            raise _Rollback
    except _Rollback:
        pass
    for model in (Action, Indicator, Milestone):
        for item in model.objects.filter(plan=plan).select_related("plan"):
            item.full_clean()
    return changed


def change_plan(*, plan: Plan, context: BenchContext, seed: int = 7) -> dict[str, int]:
    """Edit the live draft through the services, as a drafting workshop would.

    About 15 % of the actions are retitled or re-dated, a tenth of the indicators retargeted,
    1 % of the actions deleted, 1 % moved to another objective and 2 % added (with two
    indicators each).
    """
    from liptako.plans import services
    from liptako.plans.models import Action, Indicator, Objective

    rng = random.Random(seed)
    actor = context.secretariat
    actions = list(Action.objects.filter(plan=plan).order_by("id"))
    total = len(actions)
    rng.shuffle(actions)
    counts = {
        "retitled": max(1, total // 10),
        "redated": max(1, total // 20),
        "deleted": max(1, total // 100),
        "moved": max(1, total // 100),
        "added": max(1, total // 50),
    }
    chosen = iter(actions)
    for _ in range(counts["retitled"]):
        action = next(chosen)
        services.action_update(
            action=action,
            actor=actor,
            lock_version=action.lock_version,
            data={"title": f"{action.title} (révisé)", "priority": "high"},
        )
    for _ in range(counts["redated"]):
        action = next(chosen)
        end = min(action.end_date + dt.timedelta(days=30), PERIOD_END)
        services.action_update(
            action=action, actor=actor, lock_version=action.lock_version, data={"end_date": end}
        )
    for _ in range(counts["deleted"]):
        action = next(chosen)
        services.action_delete(action=action, actor=actor)
    objectives = list(Objective.objects.filter(plan=plan).order_by("id"))
    for _ in range(counts["moved"]):
        action = Action.objects.get(pk=next(chosen).pk)
        target = rng.choice([o for o in objectives if o.pk != action.objective_id])
        services.action_move(action=action, actor=actor, position=1, objective=target)
    indicators = list(
        Indicator.objects.filter(plan=plan, target_value__isnull=False, measure="number")
        .order_by("id")
        .select_related("action__plan")
    )
    counts["retargeted"] = len(indicators[::10])
    for indicator in indicators[::10]:
        services.indicator_update(
            indicator=indicator,
            actor=actor,
            lock_version=indicator.lock_version,
            data={"target_value": (indicator.target_value or Decimal(0)) + 10},
        )
    lead = context.states[0]
    for n in range(counts["added"]):
        objective = Objective.objects.get(pk=rng.choice(objectives).pk)
        action = services.action_create(
            objective=objective,
            actor=actor,
            data={
                "title": f"Action nouvelle {n + 1} issue de l'atelier",
                "lead_state": lead,
                "partner_states": context.states[1:],
                "start_date": dt.date(2025, 3, 1),
                "end_date": dt.date(2025, 11, 30),
                "budget_amount": Decimal(5_000_000),
            },
        )
        for k in range(2):
            services.indicator_create(
                action=action,
                actor=actor,
                data={"name": f"Indicateur {k + 1}", "target_value": Decimal(10 * (k + 1))},
            )
    return counts


def generate_with_versions(
    *, context: BenchContext, actions: int = 1000, indicators_per_action: int = 3
) -> GeneratedPlan:
    """The large plan, version 1 frozen, the draft changed, version 2 frozen."""
    from liptako.plans import services

    generated = generate_plan(
        context=context, actions=actions, indicators_per_action=indicators_per_action
    )
    plan = generated.plan
    actor = context.secretariat
    first = services.plan_version_freeze(plan=plan, actor=actor, note="Version générée")
    generated.changes = change_plan(plan=plan, context=context)
    second = services.plan_version_freeze(plan=plan, actor=actor, note="Après modifications")
    generated.versions = [first, second]
    return generated


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=1000, help="number of actions (1000)")
    parser.add_argument(
        "--indicators-per-action", type=int, default=3, help="indicators per action (3)"
    )
    parser.add_argument(
        "--versions",
        action="store_true",
        help="also freeze version 1, change the draft and freeze version 2",
    )
    parser.add_argument("--check", action="store_true", help="check the rows against the rules")
    arguments = parser.parse_args(argv)
    setup_django()
    context = bench_context()
    if arguments.versions:
        generated = generate_with_versions(
            context=context,
            actions=arguments.actions,
            indicators_per_action=arguments.indicators_per_action,
        )
    else:
        generated = generate_plan(
            context=context,
            actions=arguments.actions,
            indicators_per_action=arguments.indicators_per_action,
        )
    print(
        f"Plan {generated.plan.uid}: {generated.actions} actions, {generated.indicators} "
        f"indicators, {generated.milestones} milestones"
    )
    for version in generated.versions:
        print(f"  version {version.number}: {version.short_digest}")
    if generated.changes:
        print("  changes: " + ", ".join(f"{k} {v}" for k, v in generated.changes.items()))
    if arguments.check:
        changed = check_plan(generated.plan)
        print(f"  check: renumbering would change {changed} row(s)")
        if changed:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
