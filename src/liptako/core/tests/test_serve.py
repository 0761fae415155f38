"""``liptako serve``: gunicorn in front, static files hashed, compressed and cached for long."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def instance_environment(home: Path) -> dict[str, str]:
    """A separate instance: its own home and SQLite file, whatever database the suite uses."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.pop("DATABASE_URL", None)
    environment.pop("LIPTAKO_STATIC_MANIFEST", None)
    environment["LIPTAKO_HOME"] = str(home)
    return environment


def wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"liptako serve exited early with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:  # refused, reset or timed out while gunicorn starts
            time.sleep(0.2)
    raise AssertionError(f"{base_url}/healthz did not answer within {seconds} s")


@dataclass
class Served:
    base_url: str
    home: Path
    process: subprocess.Popen[bytes]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("serve-home")
    environment = instance_environment(home)
    subprocess.run(
        [sys.executable, "-m", "liptako", "migrate", "--no-input", "-v", "0"],
        env=environment,
        check=True,
        timeout=300,
    )
    port = free_port()
    log = (home / "serve.log").open("wb")
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "liptako", "serve", "--port", str(port), "--workers", "1"],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", process, seconds=180)
        yield Served(base_url=f"http://127.0.0.1:{port}", home=home, process=process)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, dict(response.headers.items()), response.read()


def test_it_answers_healthz_through_gunicorn(served: Served) -> None:
    status, headers, body = get(f"{served.base_url}/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok"}
    assert headers["Server"].startswith("gunicorn")


def test_it_serves_hashed_static_files_compressed_with_far_future_caching(served: Served) -> None:
    manifest = json.loads((served.home / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["liptako/css/liptako.css"]
    assert hashed != "liptako/css/liptako.css"

    status, headers, _body = get(
        f"{served.base_url}/static/{hashed}", headers={"Accept-Encoding": "gzip"}
    )
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"]
    max_age = int(headers["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert max_age >= 365 * 24 * 3600


def test_its_pages_link_the_hashed_stylesheet_in_french(served: Served) -> None:
    status, _, body = get(f"{served.base_url}/comptes/connexion/")
    page = body.decode()
    manifest = json.loads((served.home / "static" / "staticfiles.json").read_text())
    assert status == 200
    assert f'href="/static/{manifest["paths"]["liptako/css/liptako.css"]}"' in page
    assert '<html lang="fr">' in page
    assert "Aller au contenu" in page


def test_it_refuses_zero_workers(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "liptako", "serve", "--workers", "0"],
        env=instance_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "--workers must be at least 1" in result.stderr


def test_it_stops_cleanly_on_sigterm(served: Served) -> None:
    # Last test of the module: it stops the module's server.
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=30) == 0


def test_a_restart_reuses_the_collected_files_while_the_sources_are_the_same(
    tmp_path: Path, settings: Any
) -> None:
    from liptako.core.management.commands.serve import SOURCES_STAMP, Command

    settings.STATIC_ROOT = tmp_path / "static"
    command = Command()
    command.collect_static()
    manifest = tmp_path / "static" / "staticfiles.json"
    first = manifest.stat().st_mtime_ns
    command.collect_static()  # same sources: nothing collected again
    assert manifest.stat().st_mtime_ns == first
    (tmp_path / "static" / SOURCES_STAMP).write_text("sources of another release")
    command.collect_static()  # the sources changed: collected again
    assert manifest.stat().st_mtime_ns > first
