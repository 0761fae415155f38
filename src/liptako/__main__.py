"""The ``liptako`` command: Django's manage.py, installed as a console script.

``keygen``, ``sign`` and ``verify`` run without Django, settings or database (a holder's own
machine, a verifier somewhere without network): they go to ``validation/offline.py``.
"""

from __future__ import annotations

import os
import sys

OFFLINE_COMMANDS = frozenset({"keygen", "sign", "verify"})


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in OFFLINE_COMMANDS:
        from liptako.validation.offline import main as offline_main

        sys.exit(offline_main(sys.argv[1:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liptako.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
