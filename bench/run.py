"""Benchmarks of the plans (issue 3): response times and throughput, written to docs/benchmarks.md.

    python bench/run.py                 # SQLite, full size, writes docs/benchmarks.md
    python bench/run.py --postgres      # SQLite, then PostgreSQL on 127.0.0.1:5432 (user postgres)
    python bench/run.py --quick         # tiny plans, few runs, doc untouched (smoke test)
    python bench/run.py --only-throughput  # the wrk part alone, full size, doc untouched

Each database runs in a child process with a throw-away ``LIPTAKO_HOME`` (and, for PostgreSQL,
a throw-away database dropped at the end): migrate, generate the plans (bench/generate.py),
time the operations in-process (``time.perf_counter``, a warm-up run, then N runs: median and
p95), then serve the same database with ``liptako serve`` (2 gunicorn workers, static files
collected) under the floor settings (bench/floor_settings.py) and load each URL with ``wrk``
on the loopback. The parent collects the results, prints them and, unless ``--quick``,
rewrites the section between the markers of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import math
import os
import platform
import pstats
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import BenchContext, bench_context, generate_plan, generate_with_versions  # noqa: E402
from bench.generate import setup_django as _setup_django  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- bench:plans:begin (written by bench/run.py: do not edit by hand) -->"
END = "<!-- bench:plans:end -->"
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"


@dataclass(frozen=True)
class Sizes:
    large_actions: int
    indicators_per_action: int
    list_actions: int  # the plan of the HTML list and the API list
    roadmap_actions: int
    runs: dict[str, int]
    wrk_seconds: int
    warmup_seconds: int
    # ``liptako serve`` collects (and brotli-compresses) the static files first: about a
    # minute on two cores. Quick runs start the same gunicorn command without that step.
    collect_static: bool


FULL = Sizes(
    large_actions=1000,
    indicators_per_action=3,
    list_actions=100,
    roadmap_actions=500,
    runs={"outline": 30, "api_tree": 20, "freeze": 10, "diff": 20, "xlsx": 5, "in_process": 5},
    wrk_seconds=10,
    warmup_seconds=2,
    collect_static=True,
)
QUICK = Sizes(
    large_actions=12,
    indicators_per_action=2,
    list_actions=5,
    roadmap_actions=8,
    runs={"outline": 2, "api_tree": 2, "freeze": 2, "diff": 2, "xlsx": 1, "in_process": 1},
    wrk_seconds=1,
    warmup_seconds=0,
    collect_static=False,
)

# Goals of issue 3, in milliseconds (response times) and ratios to the floor (throughput).
TIME_GOALS_MS = {"outline": 300.0, "freeze": 1000.0, "diff": 500.0, "xlsx_round_trip": 5000.0}
RATIO_GOALS = {"api_list": 0.5, "html_list": 0.15, "roadmap": 0.03}
ROADMAP_MAX_KB = 300.0


# --- Statistics ------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (the value below which ``fraction`` of the runs fall)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "runs": len(values),
        "median_ms": round(statistics.median(values), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "min_ms": round(min(values), 1),
        "max_ms": round(max(values), 1),
    }


def timed(
    call: Callable[[], Any], runs: int, *, warmup: int = 1, cpu: list[float] | None = None
) -> list[float]:
    """Milliseconds of ``runs`` calls after ``warmup`` untimed ones (wall time); with ``cpu``,
    also appends the CPU time of this process for each call to it."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        samples.append((time.perf_counter() - start) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - start_cpu) * 1000)
    return samples


def with_cpu(entry: dict[str, Any], cpu: list[float]) -> dict[str, Any]:
    """``entry`` with the median CPU time: on a shared machine the wall time grows with the
    number of busy processes, the CPU time much less (the database server's is not in it)."""
    entry["cpu_median_ms"] = round(statistics.median(cpu), 1)
    return entry


def profile_top(call: Callable[[], Any], limit: int = 12) -> str:
    """Where one call spends its time (cProfile after a warm-up call): the project's functions
    by cumulative time, then every function by own time."""
    call()
    profiler = cProfile.Profile()
    profiler.enable()
    call()
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stream.write("Project code, by cumulative time:\n")
    stats.sort_stats("cumulative").print_stats(r"src/liptako/", limit)
    stream.write("All code, by own time:\n")
    stats.sort_stats("tottime").print_stats(limit)
    kept = []
    for line in stream.getvalue().splitlines():
        if not line.strip() or "List reduced" in line or "Ordered by" in line:
            continue
        if "function calls" in line and line in kept:
            continue
        kept.append(PATH_PREFIX.sub("", line.rstrip()))
    return "\n".join(kept)


PATH_PREFIX = re.compile(r"/\S*/(site-packages|src|lib/python3\.\d+)/")


def progress(message: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


# --- Child process: one database -------------------------------------------------------------


class Unavailable(Exception):
    """A page or an API operation the benchmark needs is not there (yet)."""


def _client(context: BenchContext) -> Any:
    from django.test import Client

    from liptako.testing import second_factor_given_to_client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(context.secretariat)
    second_factor_given_to_client(client, context.secretariat)  # the secretariat needs one
    return client


def _get(client: Any, url: str, *, expected: int = 200) -> Any:
    response = client.get(url)
    if response.status_code == 404 and expected != 404:
        raise Unavailable(f"GET {url} answered 404")
    if response.status_code != expected:
        raise RuntimeError(f"GET {url} answered {response.status_code}, expected {expected}")
    return response


def _url(name: str, **kwargs: Any) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch as error:
        raise Unavailable(f"no URL named {name}") from error


def measure_times(context: BenchContext, sizes: Sizes, notes: list[str]) -> dict[str, Any]:
    """Response times on the large plan (in-process, as the secretariat)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from liptako.plans import selectors, services

    results: dict[str, Any] = {}
    profiles: dict[str, str] = {}
    started = time.perf_counter()
    generated = generate_with_versions(
        context=context,
        actions=sizes.large_actions,
        indicators_per_action=sizes.indicators_per_action,
    )
    plan = generated.plan
    progress(f"large plan generated ({generated.actions} actions)")
    results["large_plan"] = {
        "actions": generated.actions,
        "indicators": generated.indicators,
        "milestones": generated.milestones,
        "changes": generated.changes,
        "generated_in_s": round(time.perf_counter() - started, 1),
    }
    client = _client(context)
    user = context.secretariat
    runs = sizes.runs

    def record(key: str, call: Callable[[], Any], count: int, *, goal: str | None = None) -> None:
        cpu: list[float] = []
        try:
            samples = timed(call, count, cpu=cpu)
        except Exception as error:  # reported; the other figures are still measured
            notes.append(f"{key}: not measured ({error!r}).")
            return
        results[key] = with_cpu(summary(samples), cpu)
        progress(f"{key}: median {results[key]['median_ms']} ms")
        goal_ms = TIME_GOALS_MS.get(goal or key)
        if goal_ms is not None and results[key]["median_ms"] > goal_ms:
            profiles[key] = profile_top(call)

    outline_url = f"/plans/{plan.uid}/"
    try:
        page = _get(client, outline_url)
        results["outline_bytes"] = len(page.content)
    except Unavailable as error:
        notes.append(f"outline: not measured ({error}).")
    else:
        record("outline", lambda: _get(client, outline_url), runs["outline"])

    tree_url = f"/api/v1/plans/{plan.uid}"
    record("api_tree", lambda: _get(client, tree_url), runs["api_tree"])

    record(
        "freeze",
        lambda: services.plan_version_freeze(plan=plan, actor=user, note="bench"),
        runs["freeze"],
    )

    first, second = generated.versions
    diff = selectors.plan_diff_for_user(user=user, plan=plan, old=first, new=second)
    results["diff_entries"] = {
        "added": len(diff.added),
        "removed": len(diff.removed),
        "moved": len(diff.moved),
        "changed": len(diff.changed),
    }
    record(
        "diff",
        lambda: selectors.plan_diff_for_user(user=user, plan=plan, old=first, new=second),
        runs["diff"],
    )

    try:
        export_url = _url("plans:plan-export", plan_uid=plan.uid)
        import_url = _url("plans:plan-import", plan_uid=plan.uid)
    except Unavailable as error:
        notes.append(f"XLSX: not measured ({error}).")
    else:
        exports: list[float] = []
        imports: list[float] = []
        export_cpu: list[float] = []
        import_cpu: list[float] = []
        content = b""

        def export() -> bytes:
            return bytes(_get(client, export_url).content)

        def import_(data: bytes) -> None:
            upload = SimpleUploadedFile(
                "plan.xlsx",
                data,
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response = client.post(import_url, {"file": upload})
            if response.status_code != 302:
                raise RuntimeError(
                    f"the import of the unchanged export answered {response.status_code} "
                    "instead of redirecting to the outline"
                )

        try:
            content = export()  # warm-up
            import_(content)
            for _ in range(runs["xlsx"]):
                start, start_cpu = time.perf_counter(), time.process_time()
                content = export()
                exports.append((time.perf_counter() - start) * 1000)
                export_cpu.append((time.process_time() - start_cpu) * 1000)
                start, start_cpu = time.perf_counter(), time.process_time()
                import_(content)
                imports.append((time.perf_counter() - start) * 1000)
                import_cpu.append((time.process_time() - start_cpu) * 1000)
        except Exception as error:  # reported; the other figures are still measured
            notes.append(f"XLSX: not measured ({error!r}).")
        else:
            results["xlsx_export"] = with_cpu(summary(exports), export_cpu)
            results["xlsx_import"] = with_cpu(summary(imports), import_cpu)
            results["xlsx_round_trip"] = with_cpu(
                summary([e + i for e, i in zip(exports, imports, strict=True)]),
                [e + i for e, i in zip(export_cpu, import_cpu, strict=True)],
            )
            results["xlsx_bytes"] = len(content)
            progress(f"xlsx round trip: median {results['xlsx_round_trip']['median_ms']} ms")
            if results["xlsx_round_trip"]["median_ms"] > TIME_GOALS_MS["xlsx_round_trip"]:
                profiles["xlsx_export"] = profile_top(export)
                profiles["xlsx_import"] = profile_top(lambda: import_(content))
    results["profiles"] = profiles
    return results


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str, cookie: str, *, gzip: bool = False) -> tuple[int, bytes]:
    headers = {"Cookie": cookie}
    if gzip:
        headers["Accept-Encoding"] = "gzip"
    request = urllib.request.Request(url, headers=headers)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return int(error.code), b""


WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
WRK_ERRORS = re.compile(r"Socket errors:.*")
WRK_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)


def run_wrk(url: str, cookie: str, seconds: int) -> dict[str, Any]:
    command = [
        "wrk",
        "-t2",
        "-c10",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "--latency",
        "-H",
        f"Cookie: {cookie}",
        url,
    ]
    output = subprocess.run(  # bounded by -d and --timeout
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    rate = WRK_RATE.search(output)
    if rate is None:
        raise RuntimeError(f"wrk printed no rate for {url}:\n{output}")
    result: dict[str, Any] = {"requests_per_s": float(rate.group(1))}
    non_2xx = WRK_NON_2XX.search(output)
    result["non_2xx"] = int(non_2xx.group(1)) if non_2xx else 0
    errors = WRK_ERRORS.search(output)
    if errors:
        result["socket_errors"] = errors.group(0)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    for percent, value, unit in WRK_LATENCY.findall(output):
        result[f"latency_p{percent}_ms"] = round(float(value) * scale[unit], 1)
    return result


def measure_throughput(context: BenchContext, sizes: Sizes, notes: list[str]) -> dict[str, Any]:
    """Requests per second under ``liptako serve`` (2 workers) and wrk, relative to the floor."""
    from django.db import connections
    from django.test.utils import override_settings

    from liptako.plans.models import Action

    if shutil.which("wrk") is None:
        notes.append("throughput: not measured (wrk is not installed: make install adds it).")
        return {}
    list_plan = generate_plan(
        context=context, actions=sizes.list_actions, title="Banc d'essai — liste", seed=100
    ).plan
    roadmap_plan = generate_plan(
        context=context, actions=sizes.roadmap_actions, title="Banc d'essai — feuille", seed=500
    ).plan
    year = roadmap_plan.period_start.year
    client = _client(context)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    if Action.objects.count() < 100:
        notes.append("floor: fewer than 100 actions in the database, the floor returns them all.")
    connections.close_all()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    home = Path(os.environ["LIPTAKO_HOME"])
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.floor_settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        # The API list of actions returns one page: 100 rows for this benchmark.
        "PAGE_SIZE": str(sizes.list_actions),
        "LOG_LEVEL": "WARNING",
    }
    if sizes.collect_static:
        command = [
            *[sys.executable, "-m", "liptako", "serve", "--host", "127.0.0.1"],
            *["--port", str(port), "--workers", "2"],
        ]
    else:  # what ``liptako serve`` runs once the static files are collected
        command = [
            *[sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            *["--timeout", "60", "--access-logfile", "-", "--error-logfile", "-"],
            "liptako.wsgi:application",
        ]
    log = (home / "serve.log").open("wb")
    server = subprocess.Popen(  # the gunicorn master (serve execs it)
        command, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    urls = {
        "floor": "/bench/floor/",
        "api_list": f"/api/v1/plans/{list_plan.uid}/actions",
        "api_tree": f"/api/v1/plans/{list_plan.uid}",
        "html_list": f"/plans/{list_plan.uid}/",
        "roadmap": f"/plans/{roadmap_plan.uid}/feuille-de-route/{year}/",
    }
    results: dict[str, Any] = {
        "urls": urls,
        "wrk_seconds": sizes.wrk_seconds,
        "list_actions": sizes.list_actions,
        "roadmap_actions": sizes.roadmap_actions,
    }
    progress(f"liptako serve starting on port {port}")
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"liptako serve stopped; see its log:\n{_tail(home)}")
            try:
                status, _body = fetch(base + urls["floor"], cookie)
            except OSError:
                status = 0
            if status == 200:
                break
            if status not in (0, 502, 503):
                raise RuntimeError(f"the floor answered {status}; log:\n{_tail(home)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"liptako serve did not answer in time; log:\n{_tail(home)}")
            time.sleep(0.5)
        progress("liptako serve is answering")
        for key, path in urls.items():
            status, body = fetch(base + path, cookie)
            if status != 200:
                notes.append(f"{key}: {path} answered {status}, not measured.")
                continue
            _status, compressed = fetch(base + path, cookie, gzip=True)
            entry: dict[str, Any] = {
                "kb": round(len(body) / 1024, 1),
                "gzip_kb": round(len(compressed) / 1024, 1),
            }
            if key == "api_list":
                entry["rows"] = len(json.loads(body)["items"])
            if sizes.warmup_seconds:
                run_wrk(base + path, cookie, sizes.warmup_seconds)
            entry.update(run_wrk(base + path, cookie, sizes.wrk_seconds))
            results[key] = entry
            progress(f"{key}: {entry['requests_per_s']} req/s")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
    floor = results.get("floor", {}).get("requests_per_s")
    if floor:
        for key in ("api_list", "api_tree", "html_list", "roadmap"):
            if key in results:
                results[key]["ratio"] = round(results[key]["requests_per_s"] / floor, 3)
    # The same requests in this process, one at a time, under the server's settings: what one
    # request costs (explains the ratios), and where the time goes when a goal is missed.
    profiles: dict[str, str] = {}
    with override_settings(ROOT_URLCONF="bench.floor_urls", PAGE_SIZE=sizes.list_actions):
        for key, path in urls.items():
            measured = results.get(key)
            if measured is None:
                continue
            request = partial(_get, client, path)
            cpu: list[float] = []
            measured["in_process_ms"] = round(
                statistics.median(timed(request, sizes.runs["in_process"], cpu=cpu)), 1
            )
            measured["in_process_cpu_ms"] = round(statistics.median(cpu), 1)
            goal = RATIO_GOALS.get(key)
            missed = goal is not None and measured.get("ratio", 1.0) < goal
            if key == "roadmap" and measured["kb"] >= ROADMAP_MAX_KB:
                missed = True
            if missed:
                profiles[key] = profile_top(request)
    results["profiles"] = profiles
    return results


def _tail(home: Path) -> str:
    path = home / "serve.log"
    return path.read_text(errors="replace")[-3000:] if path.exists() else "(no log)"


def database_versions() -> dict[str, str]:
    import django
    from django.db import connection

    versions = {"python": platform.python_version(), "django": django.get_version()}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            versions["database"] = f"SQLite {cursor.fetchone()[0]}"
        else:
            cursor.execute("show server_version")
            versions["database"] = f"PostgreSQL {cursor.fetchone()[0]}"
    return versions


def child(arguments: argparse.Namespace) -> int:
    """One database: migrate, generate, measure; the results as JSON in ``--result``."""
    _setup_django()
    from django.core.management import call_command

    sizes = QUICK if arguments.quick else FULL
    notes: list[str] = []
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    progress("migrated")
    context = bench_context()
    results: dict[str, Any] = {
        "backend": arguments.backend,
        "versions": database_versions(),
        "migrate_s": round(time.perf_counter() - started, 1),
        "load_before": os.getloadavg(),
    }
    results["times"] = {} if arguments.only_throughput else measure_times(context, sizes, notes)
    if not arguments.no_throughput:
        results["throughput"] = measure_throughput(context, sizes, notes)
    results["load_after"] = os.getloadavg()
    results["notes"] = notes
    Path(arguments.result).write_text(json.dumps(results, indent=2, default=str))
    return 0


# --- Parent process --------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu or platform.processor(),
        "ram_gb": round(memory_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "commit": f"{commit}{' with uncommitted changes' if dirty else ''}" if commit else "",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_at_start": os.getloadavg(),
        "command": " ".join(["python bench/run.py", *sys.argv[1:]]).strip(),
    }


def create_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_backend(backend: str, arguments: argparse.Namespace) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix=f"liptako-bench-{backend}-"))
    database = f"liptako_bench_{os.getpid()}"
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PAGE_SIZE"}
    }
    environment.update(
        {
            "LIPTAKO_HOME": str(home),
            "DJANGO_SETTINGS_MODULE": "liptako.settings",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")])),
        }
    )
    if backend == "postgresql":
        create_postgres_database(database)
        environment["DATABASE_URL"] = f"{POSTGRES_SERVER}/{database}"
    result_path = home / "result.json"
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "--backend",
        backend,
        "--result",
        str(result_path),
    ]
    if arguments.quick:
        command.append("--quick")
    if arguments.no_throughput:
        command.append("--no-throughput")
    if arguments.only_throughput:
        command.append("--only-throughput")
    try:
        print(f"[{backend}] measuring in {home}", flush=True)
        subprocess.run(command, env=environment, check=True)
        results: dict[str, Any] = json.loads(result_path.read_text())
    finally:
        if backend == "postgresql":
            drop_postgres_database(database)
        shutil.rmtree(home, ignore_errors=True)
    return results


def verdict(passed: bool) -> str:
    return "PASS" if passed else "**MISS**"


def _time_row(label: str, entry: dict[str, Any] | None, goal: float | None) -> str:
    if entry is None:
        goal_text = f"≤ {goal:,.0f} ms" if goal else "—"
        return f"| {label} | — | — | — | — | {goal_text} | not measured |"
    result = verdict(entry["median_ms"] <= goal) if goal is not None else "(no goal)"
    goal_text = f"≤ {goal:,.0f} ms" if goal is not None else "—"
    cpu = entry.get("cpu_median_ms")
    cpu_text = f"{cpu:,.1f} ms" if cpu is not None else "—"
    return (
        f"| {label} | {entry['runs']} | {entry['median_ms']:,.1f} ms | {entry['p95_ms']:,.1f} ms "
        f"| {cpu_text} | {goal_text} | {result} |"
    )


def backend_section(results: dict[str, Any]) -> list[str]:
    times = results["times"]
    name = results["versions"]["database"]
    if not times:  # --only-throughput
        lines = [
            f"#### {name}",
            "",
            f"Throughput only. Load average during the run: {results['load_before'][0]:.2f} at "
            f"the start, {results['load_after'][0]:.2f} at the end.",
            "",
        ]
        return lines + _throughput_section(results)
    large = times["large_plan"]
    lines = [
        f"#### {name}",
        "",
        f"Large plan: {large['actions']:,} actions, {large['indicators']:,} indicators, "
        f"{large['milestones']:,} milestones (generated in {large['generated_in_s']} s, "
        "version 1 frozen, then "
        + ", ".join(f"{count} {kind}" for kind, count in large["changes"].items())
        + ", version 2 frozen). Load average during the run: "
        f"{results['load_before'][0]:.2f} at the start, {results['load_after'][0]:.2f} at the "
        "end.",
        "",
        "| Measure | Runs | Median | p95 | CPU median | Goal | Result |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    outline_kb = times.get("outline_bytes", 0) / 1024
    lines += [
        _time_row(
            f"Outline page, {large['actions']:,} actions (GET, {outline_kb:,.0f} KB)",
            times.get("outline"),
            TIME_GOALS_MS["outline"],
        ),
        _time_row("API tree of the plan (GET /api/v1/plans/<uid>)", times.get("api_tree"), None),
        _time_row("Freeze (snapshot, canonical JSON, SHA-256)", times.get("freeze"), 1000.0),
        _time_row(
            "Diff of versions 1 and 2 ("
            + ", ".join(f"{v} {k}" for k, v in times.get("diff_entries", {}).items())
            + ")",
            times.get("diff"),
            TIME_GOALS_MS["diff"],
        ),
        _time_row(
            f"XLSX export ({times.get('xlsx_bytes', 0) / 1024:,.0f} KB)",
            times.get("xlsx_export"),
            None,
        ),
        _time_row("XLSX import of that file (no change)", times.get("xlsx_import"), None),
        _time_row(
            "XLSX round trip (export + import)",
            times.get("xlsx_round_trip"),
            TIME_GOALS_MS["xlsx_round_trip"],
        ),
        "",
    ]
    profiles = times.get("profiles", {})
    return lines + _throughput_section(results, profiles)


def _throughput_section(
    results: dict[str, Any], time_profiles: dict[str, str] | None = None
) -> list[str]:
    lines: list[str] = []
    throughput = results.get("throughput") or {}
    if throughput.get("floor"):
        floor = throughput["floor"]
        lines += [
            f"| URL (wrk -t2 -c10, {throughput['wrk_seconds']} s) | req/s | Ratio to floor "
            "| Size (gzip) | Latency p50 / p99 | One request in-process | Goal | Result |",
            "|---|---:|---:|---:|---:|---:|---|---|",
            _throughput_row("Floor: bare view, 100 ORM rows as JSON", floor, None),
        ]
        rows, roadmap = throughput["list_actions"], throughput["roadmap_actions"]
        labels = {
            "api_list": f"API list of {rows} actions (GET …/actions, PAGE_SIZE={rows})",
            "api_tree": f"API tree of a {rows}-action plan (info)",
            "html_list": f"Outline page of a {rows}-action plan (HTML)",
            "roadmap": f"Roadmap of a {roadmap}-action plan (HTML + SVG)",
        }
        for key, label in labels.items():
            lines.append(_throughput_row(label, throughput.get(key), key))
        lines.append("")
    for note in results.get("notes", []):
        lines.append(f"- Note: {note}")
    profiles = {**(time_profiles or {}), **throughput.get("profiles", {})}
    if profiles:
        lines += ["", "Where the time goes in the missed goals (cProfile of one call):", ""]
        for key, text in profiles.items():
            lines += [f"`{key}`:", "", "```", text, "```", ""]
    lines.append("")
    return lines


def _throughput_row(label: str, entry: dict[str, Any] | None, key: str | None) -> str:
    goal = RATIO_GOALS.get(key or "")
    goal_text = f"≥ {goal}x" if goal is not None else "—"
    if key == "roadmap":
        goal_text += f" and < {ROADMAP_MAX_KB:.0f} KB"
    if entry is None:
        return f"| {label} | — | — | — | — | — | {goal_text} | not measured |"
    ratio = entry.get("ratio")
    if goal is None:
        result = "(reference)" if key is None else "(no goal)"
    else:
        passed = ratio is not None and ratio >= goal
        if key == "roadmap":
            passed = passed and entry["kb"] < ROADMAP_MAX_KB
        result = verdict(passed)
    errors = entry.get("non_2xx", 0)
    if errors:
        result += f" ({errors} non-2xx)"
    ratio_text = f"{ratio:.2f}x" if ratio is not None else "1.00x"
    return (
        f"| {label} | {entry['requests_per_s']:,.1f} | {ratio_text} | {entry['kb']:,.1f} KB "
        f"({entry['gzip_kb']:,.1f}) | {entry.get('latency_p50_ms', '—')} / "
        f"{entry.get('latency_p99_ms', '—')} ms | {entry.get('in_process_ms', '—')} ms "
        f"({entry.get('in_process_cpu_ms', '—')} ms CPU) "
        f"| {goal_text} | {result} |"
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
        lines += backend_section(results)
    lines.append(END)
    return "\n".join(lines)


DOC_TEMPLATE = """# Benchmarks

## Plans (issue 3)

{section}
"""


def write_doc(path: Path, section: str) -> None:
    if not path.exists():
        path.write_text(DOC_TEMPLATE.format(section=section))
        return
    text = path.read_text()
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        _old, after = rest.split(END, 1)
        path.write_text(before + section + after)
    else:
        path.write_text(text.rstrip("\n") + "\n\n## Plans (issue 3)\n\n" + section + "\n")


def parent(arguments: argparse.Namespace) -> int:
    machine_info = machine()
    backends = ["sqlite", *(["postgresql"] if arguments.postgres else [])]
    results = [run_backend(backend, arguments) for backend in backends]
    section = report(machine_info, results)
    print(section)
    if arguments.json:
        Path(arguments.json).write_text(
            json.dumps({"machine": machine_info, "backends": results}, indent=2, default=str)
        )
    doc = arguments.doc or (None if arguments.quick or arguments.only_throughput else DOC)
    if doc:
        write_doc(Path(doc), section)
        print(f"Written to {doc}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmarks of the plans (issue 3).")
    parser.add_argument("--quick", action="store_true", help="tiny plans, few runs, no doc")
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL")
    parser.add_argument("--no-throughput", action="store_true", help="skip the wrk part")
    parser.add_argument(
        "--only-throughput",
        action="store_true",
        help="only the wrk part (and its in-process column), doc untouched unless --doc",
    )
    parser.add_argument("--doc", help=f"Markdown file to update (default {DOC}, none if --quick)")
    parser.add_argument("--json", help="also write the raw results to this file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="sqlite", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.only_throughput and arguments.no_throughput:
        parser.error("--only-throughput and --no-throughput exclude each other")
    if arguments.child:
        return child(arguments)
    return parent(arguments)


if __name__ == "__main__":
    sys.exit(main())
