"""``make audit``: the installed dependencies against the known vulnerabilities (pip-audit).

Fails when a dependency has a known vulnerability with a fixed version available. When the
vulnerability service cannot be asked (pip-audit needs PyPI's per-version JSON API, which some
networks and mirrors do not serve), it says so loudly and passes, unless
``LIPTAKO_AUDIT_REQUIRED=1`` (decision 0164): a build must not depend on a service it cannot
reach, but a deployment pipeline that can reach it should require it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def main() -> int:
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--skip-editable",
        "--format",
        "json",
        "--progress-spinner",
        "off",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        return unreachable(result.stderr.strip().splitlines()[-1:] or ["no answer"])
    dependencies = report.get("dependencies", [])
    audited = [item for item in dependencies if "skip_reason" not in item]
    vulnerable = [
        f"{item['name']} {item['version']}: {vuln['id']} "
        f"(fixed in {', '.join(vuln['fix_versions'])})"
        for item in audited
        for vuln in item.get("vulns", [])
        if vuln.get("fix_versions")
    ]
    unfixed = [
        f"{item['name']} {item['version']}: {vuln['id']} (no fixed version yet)"
        for item in audited
        for vuln in item.get("vulns", [])
        if not vuln.get("fix_versions")
    ]
    for line in unfixed:
        print(f"pip-audit: known, no fix yet: {line}")
    if vulnerable:
        print(
            "pip-audit: dependencies with a known vulnerability and a fix:", *vulnerable, sep="\n  "
        )
        return 1
    if dependencies and not audited:
        return unreachable([dependencies[0].get("skip_reason", "")])
    skipped = len(dependencies) - len(audited)
    print(
        f"pip-audit: {len(audited)} dependencies audited, no known vulnerability with a fix"
        + (f" ({skipped} not found on the index, not audited)" if skipped else "")
    )
    return 0


def unreachable(reasons: list[str]) -> int:
    required = os.environ.get("LIPTAKO_AUDIT_REQUIRED") == "1"
    print(
        "pip-audit: WARNING the vulnerability service could not be asked, nothing was audited "
        f"({'; '.join(reasons)}).",
        "Run `make audit` where PyPI's JSON API is reachable"
        + ("." if required else ", or set LIPTAKO_AUDIT_REQUIRED=1 to make this an error."),
        sep="\n",
    )
    return 1 if required else 0


if __name__ == "__main__":
    sys.exit(main())
