"""Queries compiled once per process and run again with each request's values (decision 0230).

Building and compiling a large ORM query (joins, correlated subqueries, annotations, the
``visible_to`` rule) costs more Python time than SQLite or PostgreSQL take to run it. For the
few reads that run on almost every request, always in the same shape but with another reader
or plan, :class:`CompiledQuery` builds the queryset once with *markers* (distinctive values
standing for what a request brings: a plan id, a clearance rank, member state ids…), compiles
it, and remembers where each marker landed among the SQL parameters. A request then only puts
its own values in those places. The queryset stays the single description of the query: the
same selectors and rules build it, only less often.

On PostgreSQL the statement is also prepared, so that it is parsed and planned once per
connection rather than on every request (:func:`execute`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import QuerySet


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Slot:
    """A value each execution brings: ``marker`` stands for it when the query is compiled.

    ``prepare`` turns a value into the parameter the compiled SQL holds for it (the identity
    for ids and codes; a ``LIKE`` pattern for a text search word). A marker must be a value no
    real query would hold: it is found among the compiled parameters by equality.
    """

    name: str
    marker: Any
    prepare: Callable[[Any], Any] = _same


class NotCompilable(Exception):
    """A marker did not end up as exactly one kind of SQL parameter: use the ORM instead."""


class CompiledQuery:
    """The SQL and parameters of ``queryset`` with the places of each slot's marker.

    ``rows(values)`` runs it with ``values`` (a value per slot name) and gives the rows as the
    queryset would (``values_list`` tuples, with the ORM's conversions of database values).
    ``suffix`` is SQL appended to the compiled statement (e.g. ``LIMIT %s OFFSET %s``), whose
    parameters each execution gives.
    """

    def __init__(
        self, queryset: QuerySet[Any], slots: Sequence[Slot], *, using: str, suffix: str = ""
    ) -> None:
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        self.using = using
        self.sql = sql + suffix
        self.params = list(params)
        # Where each slot's value goes, and the class of the parameter there: the backend may
        # wrap a value (psycopg's Int2 for a small integer column), the bound value must be too.
        self.places: list[tuple[int, Slot, type]] = []
        for slot in slots:
            compiled_marker = slot.prepare(slot.marker)
            places = [
                (index, slot, type(param))
                for index, param in enumerate(self.params)
                if isinstance(param, type(compiled_marker)) and param == compiled_marker
            ]
            # A marker written into the SQL itself (not a parameter) could not be replaced.
            if not places or str(compiled_marker) in sql:
                raise NotCompilable(f"slot {slot.name!r}: marker not found as a parameter")
            self.places.extend(places)
        # The ORM's conversions of database values (dates and UUIDs read from SQLite…).
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        self.converters = compiler.get_converters(fields)
        self.compiler = compiler

    def bind(self, values: dict[str, Any], extra: Iterable[Any] = ()) -> list[Any]:
        params = list(self.params)
        for index, slot, kind in self.places:
            value = slot.prepare(values[slot.name])
            params[index] = value if type(value) is kind else kind(value)
        params.extend(extra)
        return params

    def rows(self, values: dict[str, Any], extra: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        rows = execute(connections[self.using], self.sql, self.bind(values, extra))
        if not self.converters:
            return rows
        return [tuple(row) for row in self.compiler.apply_converters(rows, self.converters)]


def execute(
    connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """Every row of ``sql``, through Django's cursor (logged, counted by the query-count tests).

    On PostgreSQL, when prepared statements are on (``DATABASE_PREPARED_STATEMENTS``), the
    statement runs through a server-binding cursor: psycopg prepares it on its first run on
    the connection, and PostgreSQL reuses one generic plan (``plan_cache_mode``, settings).
    Django's own cursors bind parameters on the client and never prepare anything.
    """
    if connection.vendor == "postgresql" and settings.DATABASE_PREPARED_STATEMENTS:
        from django.db.backends.postgresql.base import ServerBindingCursor

        # What ``connection.cursor()`` does, with another cursor class.
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        connection.validate_thread_sharing()
        raw: Any = ServerBindingCursor(connection.connection)  # type: ignore[call-arg]
        cursor = (
            _PreparedDebugCursor(raw, connection)
            if connection.queries_logged
            else connection.make_cursor(raw)
        )
    else:
        cursor = connection.cursor()
    with cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class _PreparedDebugCursor(CursorDebugWrapper):
    """Django's logging cursor (tests, ``DEBUG``), logging a prepared statement with its values.

    Django logs the SQL text psycopg sent, which a prepared statement's execution does not
    have; this logs the statement with its values written in, as for any other query."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return CursorWrapper.execute(self, sql, params)
