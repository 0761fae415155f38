"""Separate Liptako instances for the durability tests: their own home, their own database.

When the suite runs on PostgreSQL (``DATABASE_URL``), each instance gets a database of its own
on the same server (``<suite database>_<name>``), created from a seeded template in a second;
on SQLite the instance's database is the file in its home, copied with the home.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

REPOSITORY = Path(__file__).resolve().parent.parent
HEALTH_TIMEOUT_SECONDS = 180


def suite_database_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _database_url(name: str) -> str:
    base = urlsplit(suite_database_url() or "")
    return urlunsplit(base._replace(path=f"/{name}"))


def _admin_connection() -> psycopg.Connection:
    return psycopg.connect(_database_url("postgres"), autocommit=True)


def _database_name(name: str) -> str:
    base = urlsplit(suite_database_url() or "").path.lstrip("/") or "liptako"
    return f"{base}_{name}".lower()


@dataclass
class Instance:
    """One instance: ``home`` (LIPTAKO_HOME) and, on PostgreSQL, ``database`` (its name)."""

    name: str
    home: Path
    database: str | None = None
    environment: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, name: str, home: Path, *, template: Instance | None = None) -> Instance:
        if template is not None:
            shutil.copytree(template.home, home, ignore=shutil.ignore_patterns("*.log"))
        else:
            home.mkdir(parents=True, exist_ok=True)
        database = None
        if suite_database_url():
            database = _database_name(name)
            with _admin_connection() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                if template is not None and template.database:
                    admin.execute(f'CREATE DATABASE "{database}" TEMPLATE "{template.database}"')
                else:
                    admin.execute(f'CREATE DATABASE "{database}"')
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "GUNICORN_"))
            and key not in {"DATABASE_URL", "LIPTAKO_STATIC_MANIFEST", "DEBUG"}
        }
        environment["LIPTAKO_HOME"] = str(home)
        environment["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
        environment["PYTHONUNBUFFERED"] = "1"
        if database:
            environment["DATABASE_URL"] = _database_url(database)
        return cls(name=name, home=home, database=database, environment=environment)

    def drop(self) -> None:
        if self.database:
            with _admin_connection() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def run(self, *arguments: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """``liptako ARGUMENTS`` in this instance; the result, whatever its exit code."""
        return subprocess.run(
            [sys.executable, "-m", "liptako", *arguments],
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def script(self, path: Path, *arguments: str, timeout: float = 600) -> str:
        """Run a Python script of this folder in the instance; its standard output."""
        result = subprocess.run(
            [sys.executable, str(path), *arguments],
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-4000:]
        return result.stdout

    def must(self, *arguments: str, timeout: float = 600) -> str:
        result = self.run(*arguments, timeout=timeout)
        assert result.returncode == 0, f"liptako {' '.join(arguments)}: {result.stderr[-4000:]}"
        return result.stdout


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``liptako serve`` of an instance, in its own process group so it can be killed whole.

    gunicorn runs with ``--preload``: a killed worker is replaced by a fork of the master in
    milliseconds, so a hundred ``kill -9`` of the writing process fit in CI's time.
    """

    def __init__(self, instance: Instance, *, workers: int = 2, preload: bool = True) -> None:
        self.instance = instance
        self.workers = workers
        self.preload = preload
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = instance.home / "serve.log"

    def start(self) -> None:
        environment = dict(self.instance.environment)
        if self.preload:
            environment["GUNICORN_CMD_ARGS"] = (
                "--preload --graceful-timeout 5 --config python:durability.gunicorn_warm"
            )
            environment["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(REPOSITORY), environment.get("PYTHONPATH", "")])
            )
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "liptako",
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                    "--timeout",
                    "60",
                ],
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_until_healthy()

    def wait_until_healthy(self, seconds: float = HEALTH_TIMEOUT_SECONDS) -> None:
        assert self.process is not None
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"liptako serve exited with {self.process.returncode}")
            try:
                url = f"{self.base_url}/healthz"
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200 and len(self.worker_pids()) >= self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"{self.base_url}/healthz did not answer within {seconds} s")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def kill_worker(self, rng: random.Random) -> int | None:
        """``kill -9`` one worker at random (the master starts another); its pid."""
        pids = self.worker_pids()
        if not pids:
            return None
        pid = rng.choice(pids)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        return pid

    def kill_all(self) -> None:
        """``kill -9`` the whole server: master and workers at once."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill_all()
        self.process = None
