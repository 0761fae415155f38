"""Fixtures shared by every app's tests (personas, API client)."""

from __future__ import annotations

pytest_plugins = ["liptako.testing"]
