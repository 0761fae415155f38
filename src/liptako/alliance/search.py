"""Accent- and case-insensitive search for the directory, identical on SQLite and PostgreSQL.

Each searchable row keeps a ``search_text`` column: its words lower-cased, without accents,
punctuation folded to spaces ("État-major général" → "etat major general"). A query goes
through the same function and every one of its words must appear in the column, so "goita"
finds "GOÏTA" and "etat-major" finds "État-major" on both databases without ``unaccent`` or
a collation (docs/decisions/0020-directory-search-column.md).
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalise_for_search(*parts: str) -> str:
    """Fold ``parts`` to lower-case ASCII words separated by single spaces."""
    text = " ".join(part for part in parts if part)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_marks = "".join(char for char in decomposed if not unicodedata.combining(char))
    # Letters no decomposition reaches (œ, æ, ß after casefold → ss) are spelled out.
    spelled = without_marks.replace("œ", "oe").replace("æ", "ae").replace("ø", "o")
    return _NOT_WORD.sub(" ", spelled).strip()


def search_words(query: str) -> list[str]:
    """The words of a user's query, folded like the column (empty for a blank query)."""
    return normalise_for_search(query).split()
