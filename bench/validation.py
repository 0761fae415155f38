"""Benchmarks of validation and the plan documents (issue 4), written to docs/benchmarks.md.

    python bench/validation.py              # SQLite, 1,000 actions, writes docs/benchmarks.md
    python bench/validation.py --postgres   # SQLite, then PostgreSQL on 127.0.0.1:5432
    python bench/validation.py --quick      # 20 actions, one run each, doc untouched (smoke test)

Each database runs in a child process with a throw-away ``LIPTAKO_HOME`` (and, for PostgreSQL,
a throw-away database): migrate, generate a plan of 1,000 actions with bench/generate.py, give
each member state a validator holding a confirmed Ed25519 key (the private key stays in the
benchmark, as it stays with a signer), send the plan to validation, then time:

- **sign**: one validator's whole signature: ``statement_issue`` (the statement built, canonical
  JSON, stored), the Ed25519 signature made on the signer's side, ``decision_sign`` (the server
  checks the signature against the key, records the decision and its audit row, evaluates the
  quorum). Rounds of two approvals are superseded by a new freeze (untimed); the last round
  has all three, the third validating the version;
- **PDF**: the PDF of the validated 1,000-action version (WeasyPrint): ``render_plan_pdf``
  (cache bypassed), then ``plan_pdf`` with an empty cache (the first reader's download:
  rendered and kept); then ``plan_pdf`` again, read back from the cache (every later reader);
- **bundle**: ``version_bundle_for_user`` (statements, signatures, keys, quorum, manifest and
  the PDF from the cache), as the download does once the PDF exists;
- **verify**: ``python -m liptako verify bundle.zip`` in a subprocess without Django settings,
  interpreter start included: what a person runs on another machine.

Wall-clock (``time.perf_counter``) and the CPU time (``time.process_time`` in the process,
``getrusage`` of the child for ``verify``): on a shared machine the wall time grows with the
load, the CPU time much less. The parent prints the results and, unless ``--quick``, rewrites
the section between the markers of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import bench_context, generate_plan  # noqa: E402
from bench.generate import setup_django as _setup_django  # noqa: E402
from bench.run import (  # noqa: E402
    POSTGRES_SERVER,
    create_postgres_database,
    database_versions,
    drop_postgres_database,
    machine,
    percentile,
    progress,
)

DOC = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- bench:validation:begin (written by bench/validation.py: do not edit by hand) -->"
END = "<!-- bench:validation:end -->"
GOALS_S = {"sign": None, "pdf": 20.0, "pdf_cached": None, "bundle": 3.0, "verify": 1.0}
FULL = {"actions": 1000, "rounds": 4, "pdf_runs": 2, "runs": 5}
QUICK = {"actions": 20, "rounds": 2, "pdf_runs": 1, "runs": 1}


def measured(call: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, wall seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def stats(walls: list[float], cpus: list[float] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "runs": len(walls),
        "median_s": round(statistics.median(walls), 3),
        "p95_s": round(percentile(walls, 0.95), 3),
        "max_s": round(max(walls), 3),
    }
    if cpus:
        out["cpu_median_s"] = round(statistics.median(cpus), 3)
    return out


def _validators(context: Any) -> list[tuple[Any, Any, Any]]:
    """One validator per member state, cleared for everything, with a confirmed key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from liptako.accounts.models import Role
    from liptako.accounts.services import membership_grant, user_create
    from liptako.validation import services

    highest = max(context.markings.values(), key=lambda level: level.rank)
    signers = []
    for state in context.states:
        user = user_create(
            actor=None,
            username=f"bench-validator-{state.code.lower()}",
            password=None,
            first_name="Chef d'état-major",
            last_name=state.name,
            clearance=highest,
        )
        membership_grant(actor=None, user=user, role=Role.VALIDATOR, member_state=state)
        private_key = Ed25519PrivateKey.generate()
        raw = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        key = services.signing_key_register(actor=user, public_key=raw)
        services.signing_key_confirm(key=key, actor=context.secretariat)
        signers.append((user.__class__.objects.get(pk=user.pk), private_key, state))
    return signers


def measure(sizes: dict[str, int], notes: list[str]) -> dict[str, Any]:
    from liptako.documents import selectors as document_selectors
    from liptako.documents.bundles import version_bundle_for_user
    from liptako.documents.pdf import render_plan_pdf
    from liptako.documents.rendered import cached_pdf_path, plan_pdf
    from liptako.validation import services
    from liptako.validation.models import DecisionKind, VersionStatus

    context = bench_context()
    generated = generate_plan(context=context, actions=sizes["actions"])
    progress(f"plan of {generated.actions} actions, {generated.indicators} indicators")
    signers = _validators(context)
    secretariat = context.secretariat
    results: dict[str, Any] = {"actions": generated.actions, "indicators": generated.indicators}

    sign_walls, sign_cpus = [], []
    state = None
    for round_number in range(1, sizes["rounds"] + 1):
        state = services.validation_open(plan=generated.plan, actor=secretariat)  # untimed
        last = round_number == sizes["rounds"]
        for user, private_key, member_state in signers if last else signers[:2]:
            version = state.version

            def sign(
                user: Any = user, key: Any = private_key, ms: Any = member_state, v: Any = version
            ) -> Any:
                statement = services.statement_issue(
                    version=v, actor=user, kind=DecisionKind.APPROVE, member_state=ms
                )
                return services.decision_sign(
                    statement=statement, actor=user, signature=key.sign(statement.data)
                )

            _decision, wall, cpu = measured(sign)
            sign_walls.append(wall)
            sign_cpus.append(cpu)
    assert state is not None
    state.refresh_from_db()
    if state.status != VersionStatus.VALIDATED:
        raise RuntimeError(f"the last round did not validate the version ({state.status})")
    version = state.version
    results["sign"] = stats(sign_walls, sign_cpus)
    progress(f"sign: {results['sign']}")

    report, wall, cpu = measured(
        lambda: document_selectors.complete_version_report_for_user(
            user=secretariat, version=version
        )
    )
    results["report"] = stats([wall], [cpu])
    path = cached_pdf_path(report)
    assert path is not None
    pdf_walls, pdf_cpus, pdf = [], [], b""
    for run in range(sizes["pdf_runs"]):
        # The last run is the first reader's download: rendered, then kept in the cache.
        render = plan_pdf if run == sizes["pdf_runs"] - 1 else render_plan_pdf
        pdf, wall, cpu = measured(lambda render=render: render(report))
        pdf_walls.append(wall)
        pdf_cpus.append(cpu)
        progress(f"pdf: {wall:.1f} s (CPU {cpu:.1f} s)")
    results["pdf"] = stats(pdf_walls, pdf_cpus)
    results["pdf_bytes"] = len(pdf)
    results["pdf_pages"] = _pages(pdf)
    if not path.exists():
        raise RuntimeError("the PDF was not kept in the cache")
    cached = [measured(lambda: plan_pdf(report)) for _ in range(sizes["runs"])]
    results["pdf_cached"] = stats([c[1] for c in cached], [c[2] for c in cached])

    bundles = [
        measured(lambda: version_bundle_for_user(user=secretariat, version=version))
        for _ in range(sizes["runs"])
    ]
    bundle = bundles[-1][0]
    results["bundle"] = stats([b[1] for b in bundles], [b[2] for b in bundles])
    results["bundle_bytes"] = len(bundle)
    progress(f"bundle: {results['bundle']}")

    folder = Path(tempfile.mkdtemp(prefix="liptako-verify-"))
    try:
        (folder / "bundle.zip").write_bytes(bundle)
        environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        walls, cpus, output = [], [], ""
        for _ in range(sizes["runs"]):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "liptako", "verify", "bundle.zip"],
                cwd=folder,
                env=environment,
                capture_output=True,
                text=True,
                check=False,
            )
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(
                after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            )  # the verifier's own CPU time (user and system)
            output = done.stdout
            if done.returncode != 0:
                raise RuntimeError(f"the bundle does not verify:\n{done.stdout}{done.stderr}")
        results["verify"] = stats(walls, cpus)
        results["verify_output"] = output.strip().splitlines()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    progress(f"verify: {results['verify']}")
    if results["pdf"]["median_s"] > (GOALS_S["pdf"] or 0):
        notes.append(
            "The PDF took longer than its goal on this run: see the load average; the CPU time "
            "column is what the rendering itself needed."
        )
    return results


def _pages(pdf: bytes) -> int | None:
    try:
        import io

        import pypdf
    except ImportError:  # pypdf is a development tool
        return None
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def child(arguments: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import call_command

    sizes = QUICK if arguments.quick else FULL
    notes: list[str] = []
    call_command("migrate", verbosity=0, interactive=False)
    progress("migrated")
    results: dict[str, Any] = {
        "backend": arguments.backend,
        "versions": database_versions(),
        "load_before": os.getloadavg(),
    }
    results["times"] = measure(sizes, notes)
    results["load_after"] = os.getloadavg()
    results["notes"] = notes
    Path(arguments.result).write_text(json.dumps(results, indent=2, default=str))
    return 0


def run_backend(backend: str, arguments: argparse.Namespace) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix=f"liptako-bench-validation-{backend}-"))
    database = f"liptako_bench_validation_{os.getpid()}"
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(
        {
            "LIPTAKO_HOME": str(home),
            "DJANGO_SETTINGS_MODULE": "liptako.settings",
            "LOG_LEVEL": "WARNING",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")])),
        }
    )
    if backend == "postgresql":
        create_postgres_database(database)
        environment["DATABASE_URL"] = f"{POSTGRES_SERVER}/{database}"
    result_path = home / "result.json"
    command = [sys.executable, str(Path(__file__).resolve()), "--child", "--backend", backend]
    command += ["--result", str(result_path), *(["--quick"] if arguments.quick else [])]
    try:
        print(f"[{backend}] measuring in {home}", flush=True)
        subprocess.run(command, env=environment, check=True)
        results: dict[str, Any] = json.loads(result_path.read_text())
    finally:
        if backend == "postgresql":
            drop_postgres_database(database)
        shutil.rmtree(home, ignore_errors=True)
    return results


def _row(label: str, what: str, entry: dict[str, Any], goal: float | None) -> str:
    cpu = f"{entry['cpu_median_s']:.2f} s" if "cpu_median_s" in entry else "—"
    verdict = "(no goal)"
    if goal is not None:
        verdict = "PASS" if entry["median_s"] <= goal else "**MISS**"
    goal_text = f"≤ {goal:g} s" if goal is not None else "—"
    return (
        f"| {label} | {what} | {entry['runs']} | {entry['median_s']:.3f} s | "
        f"{entry['p95_s']:.3f} s | {cpu} | {goal_text} | {verdict} |"
    )


def report(machine_info: dict[str, Any], backends: list[dict[str, Any]]) -> str:
    versions = backends[0]["versions"] if backends else {}
    lines = [
        BEGIN,
        "",
        f"Measured on {machine_info['date']} by `{machine_info['command']}`, commit "
        f"{machine_info['commit']}.",
        f"Machine: {machine_info['nproc']} CPUs ({machine_info['cpu']}), "
        f"{machine_info['ram_gb']} GB RAM, Linux {machine_info['kernel']}; load average "
        f"{machine_info['load_at_start'][0]:.2f} when the run started. Python "
        f"{versions.get('python', '?')}, Django {versions.get('django', '?')}.",
        "",
    ]
    for results in backends:
        times = results["times"]
        lines += [
            f"#### {results['versions'].get('database', results['backend'])}",
            "",
            f"Plan of {times['actions']:,} actions and {times['indicators']:,} indicators; load "
            f"average {results['load_before'][0]:.2f} before, {results['load_after'][0]:.2f} "
            "after.",
            "",
            "| Measure | What one run does | Runs | Median | p95 | CPU (median) | Goal | Result |",
            "|---|---|---:|---:|---:|---:|---|---|",
            _row("Sign", "statement issued, signed, verified and recorded", times["sign"], None),
            _row(
                "PDF",
                f"WeasyPrint, {times['pdf_pages']} pages, {times['pdf_bytes'] / 1e6:.1f} MB",
                times["pdf"],
                GOALS_S["pdf"],
            ),
            _row("PDF, cached", "the same PDF read from LIPTAKO_HOME", times["pdf_cached"], None),
            _row(
                "Bundle",
                f"zip with the cached PDF, {times['bundle_bytes'] / 1e6:.1f} MB",
                times["bundle"],
                GOALS_S["bundle"],
            ),
            _row("Verify", "`python -m liptako verify` in a new process", times["verify"], 1.0),
            "",
            "Output of `liptako verify`:",
            "",
            "```",
            *times["verify_output"],
            "```",
            "",
        ]
        lines += [f"- {note}" for note in results["notes"]]
    lines.append(END)
    return "\n".join(lines)


def write_doc(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        _old, after = rest.split(END, 1)
        path.write_text(before + section + after)
    else:
        path.write_text(
            text.rstrip("\n")
            + "\n\n## Validation and plan documents (issue 4)\n\n"
            + section
            + "\n"
        )


def parent(arguments: argparse.Namespace) -> int:
    machine_info = machine()
    machine_info["command"] = " ".join(["python bench/validation.py", *sys.argv[1:]]).strip()
    backends = ["sqlite", *(["postgresql"] if arguments.postgres else [])]
    results = [run_backend(backend, arguments) for backend in backends]
    section = report(machine_info, results)
    print(section)
    doc = arguments.doc or (None if arguments.quick else DOC)
    if doc:
        write_doc(Path(doc), section)
        print(f"Written to {doc}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmarks of validation and documents.")
    parser.add_argument("--quick", action="store_true", help="20 actions, one run, no doc")
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL")
    parser.add_argument("--doc", help=f"Markdown file to update (default {DOC}, none if --quick)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="sqlite", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child:
        return child(arguments)
    return parent(arguments)


if __name__ == "__main__":
    sys.exit(main())
