"""Who may issue letters and edit their templates: the secretariat (and administrators)."""

from __future__ import annotations

import rules

from liptako.accounts.permissions import is_admin, is_secretariat

rules.add_perm("documents.change_letter_template", is_secretariat | is_admin)
rules.add_perm("documents.issue_letter", is_secretariat | is_admin)
