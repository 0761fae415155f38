"""The signed bundle of a version with its PDF: what the bundle download and the benchmark give.

The validation app builds the signed part (``validation.bundles``: plan, statements,
signatures, keys, quorum); the PDF is a document, so it is added here, where documents are
made (apps depend ``validation ← documents``). The PDF comes from the on-disk cache of frozen
versions (``documents.rendered``), so a bundle after a download, or a second bundle, does not
render it again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from liptako.documents import selectors
from liptako.documents.rendered import plan_pdf
from liptako.validation.bundles import bundle_files
from liptako.validation.offline import PLAN_PDF, build_bundle

if TYPE_CHECKING:
    from liptako.plans.models import PlanVersion
    from liptako.plans.selectors import AnyUser


def version_bundle_for_user(*, user: AnyUser, version: PlanVersion, language: str = "fr") -> bytes:
    """The zip of ``version``: its signed decisions and its PDF in ``language``.

    ``version`` comes from ``version_for_user``; ``PermissionDenied`` when ``user`` may not
    read the whole version (the bundle never holds a redacted plan).
    """
    report = selectors.complete_version_report_for_user(
        user=user, version=version, language=language
    )
    return build_bundle(bundle_files(version, extra_files={PLAN_PDF: plan_pdf(report)}))
