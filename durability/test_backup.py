"""``liptako backup`` while the application writes, ``liptako restore`` into fresh instances.

The served copy of the seeded demo receives writes of every kind over HTTP (the crash test's
writers, without kills) while two backups are taken. Each backup is restored into a new,
empty instance: the restore verifies the audit chain (checkpoint signatures included, with
the restored instance key), every request acknowledged before the backup started is there,
and every signed bundle exported from the restored database passes ``liptako verify``.
Restoring over a non-empty instance, or a damaged archive, is refused and changes nothing
(on a migrated instance without the demo: quick enough for ``make test``).
"""

from __future__ import annotations

import io
import json
import tarfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from durability.instances import Instance, Server, suite_database_url
from durability.workload import Workload

HERE = Path(__file__).resolve().parent
BACKUPS = 2


def _comment_bodies(instance: Instance, plan: str) -> set[str]:
    facts = json.loads(instance.script(HERE / "facts.py", plan))
    return {comment["body"] for comment in facts["comments"]}


def _wait_for_writes(workload: Workload, count: int, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while workload.ledger.acknowledged() < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workload.ledger.acknowledged() >= count, "the writers did not write"


@pytest.mark.long
def test_backups_taken_during_writes_restore_into_fresh_instances_that_verify(
    clone: tuple[Instance, dict[str, Any]], tmp_path: Path
) -> None:
    source, seed = clone
    source.must("audit", "checkpoint")  # restored checkpoints need the restored instance key
    server = Server(source, workers=2)
    server.start()
    workload = Workload(server.base_url, source.home, seed)
    writers = workload.writers()
    archives: list[tuple[Path, list[str]]] = []
    try:
        for writer in writers:
            writer.start()
        for number in range(BACKUPS):
            _wait_for_writes(workload, workload.ledger.acknowledged() + 5)
            with workload.ledger.lock:
                acknowledged = list(workload.ledger.comments)
            archive = tmp_path / f"backup-{number}.tar.gz"
            output = source.must("backup", "--output", str(archive))
            assert str(archive) in output
            archives.append((archive, acknowledged))
        _wait_for_writes(workload, workload.ledger.acknowledged() + 5)  # still writing after
    finally:
        workload.stop.set()
        for writer in writers:
            writer.join(timeout=120)
        server.stop()
    assert [writer.failure for writer in writers] == [None] * len(writers)
    assert workload.ledger.server_errors == []

    for number, (archive, acknowledged) in enumerate(archives):
        target = Instance.create(f"durability_restored_{number}", tmp_path / f"restored-{number}")
        try:
            restored = target.run("restore", str(archive))
            assert restored.returncode == 0, restored.stderr
            assert "Journal d\u2019audit intact apr\u00e8s la restauration" in restored.stdout
            assert target.run("audit", "verify").returncode == 0
            if target.database is not None:
                # The planner's statistics come back too (decision 0210).
                assert _analyzed_tables(target) > 0
            assert set(acknowledged) <= _comment_bodies(target, seed["plan"])
            assert (target.home / "instance_ed25519.pem").read_bytes() == (
                source.home / "instance_ed25519.pem"
            ).read_bytes()
            bundles = target.home / "bundles"
            count = int(target.script(HERE / "bundles.py", str(bundles)))
            assert count >= 1  # the demo's adopted version, and the versions validated meanwhile
            for bundle in sorted(bundles.iterdir()):
                verified = target.run("verify", str(bundle))
                assert verified.returncode == 0, f"{bundle.name}: {verified.stdout}"
        finally:
            target.drop()


def _analyzed_tables(instance: Instance) -> int:
    url = urlunsplit(urlsplit(suite_database_url() or "")._replace(path=f"/{instance.database}"))
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
        ).fetchone()
    return int(row[0]) if row else 0


def _events(instance: Instance) -> str:
    verified = instance.run("audit", "verify")
    assert verified.returncode == 0, verified.stderr
    return verified.stdout.split(":", 1)[1].strip()


def test_restore_refuses_a_non_empty_instance_and_a_damaged_archive_and_changes_nothing(
    tmp_path: Path,
) -> None:
    instance = Instance.create("durability_refusals", tmp_path / "home")
    try:
        instance.must("migrate", "--no-input", "-v", "0")
        instance.must("audit", "checkpoint")
        archive = tmp_path / "backup.tar.gz"
        instance.must("backup", "--output", str(archive))
        at_backup = _events(instance)
        instance.must("audit", "checkpoint")
        after_write = _events(instance)
        assert after_write != at_backup

        refused = instance.run("restore", str(archive))
        assert refused.returncode == 1
        assert "n\u2019est pas vide" in refused.stderr
        assert _events(instance) == after_write

        damaged = tmp_path / "damaged.tar.gz"
        _damage(archive, damaged)
        refused = instance.run("restore", "--force", str(damaged))
        assert refused.returncode == 1
        assert "endommagé dans la sauvegarde" in refused.stderr
        assert _events(instance) == after_write

        forced = instance.run("restore", "--force", str(archive))
        assert forced.returncode == 0, forced.stderr
        assert _events(instance) == at_backup
    finally:
        instance.drop()


def _damage(archive: Path, damaged: Path) -> None:
    """A copy of ``archive`` whose database snapshot has one byte changed."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("database/"):
                data = data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]
            target.addfile(member, io.BytesIO(data))
