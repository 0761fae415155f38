"""Writes the signed bundle of every validated or adopted version into a folder.

Run as ``python durability/bundles.py FOLDER`` with an instance's environment; prints how many
bundles it wrote. The backup test checks each with ``liptako verify`` after a restore.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liptako.settings")
django.setup()

from liptako.validation.bundles import bundle_export  # noqa: E402
from liptako.validation.models import VersionState, VersionStatus  # noqa: E402

SIGNED = (VersionStatus.VALIDATED, VersionStatus.SUBMITTED, VersionStatus.ADOPTED)


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for state in VersionState.objects.filter(status__in=SIGNED).select_related("version__plan"):
        version = state.version
        (folder / f"{version.plan.uid}-v{version.number}.zip").write_bytes(bundle_export(version))
        count += 1
    print(count)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
