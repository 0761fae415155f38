"""Queries compiled once and run with new values (liptako.core.compiled)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models.expressions import RawSQL

from liptako.core.compiled import CompiledQuery, NotCompilable, Slot
from liptako.core.models import MarkingLevel

RANK = 32_711  # a marker: no level has this rank
CODE = "~code~"


@pytest.fixture
def levels(db):
    return {level.code: level for level in MarkingLevel.objects.all()}  # NP < DR < C


def _up_to(rank_marker=RANK):
    return MarkingLevel.objects.filter(rank__lte=rank_marker).order_by("rank").values_list("code")


def test_each_run_binds_its_own_values(levels):
    compiled = CompiledQuery(_up_to(), [Slot("rank", RANK)], using="default")
    for code, level in levels.items():
        expected = list(_up_to(level.rank))
        assert compiled.rows({"rank": level.rank}) == expected, code
    assert compiled.rows({"rank": -1}) == []


def test_a_slot_may_be_prepared_and_the_statement_extended(levels):
    queryset = MarkingLevel.objects.filter(code__contains=CODE).order_by("rank").values_list("rank")
    compiled = CompiledQuery(
        queryset,
        [Slot("part", CODE, lambda part: f"%{connection.ops.prep_for_like_query(part)}%")],
        using="default",
        suffix=" LIMIT %s",
    )
    assert compiled.rows({"part": "R"}, extra=[1]) == [(levels["DR"].rank,)]
    assert compiled.rows({"part": "%"}, extra=[5]) == []  # a wildcard is searched as text


def test_the_orm_conversions_apply(levels):
    queryset = (
        MarkingLevel.objects.filter(rank__lte=RANK).order_by("rank").values_list("created_at")
    )
    compiled = CompiledQuery(queryset, [Slot("rank", RANK)], using="default")
    assert compiled.rows({"rank": levels["C"].rank}) == list(
        MarkingLevel.objects.order_by("rank").values_list("created_at")
    )


def test_a_marker_that_is_not_a_parameter_is_refused(levels):
    with pytest.raises(NotCompilable):  # not in the query at all
        CompiledQuery(_up_to(), [Slot("rank", RANK + 1)], using="default")
    written_in = MarkingLevel.objects.annotate(
        limit=RawSQL(f"{RANK}", [])  # noqa: S611 (a constant, for the test)
    ).filter(rank__lte=RANK)
    with pytest.raises(NotCompilable):  # in the SQL text as well: it could not all be replaced
        CompiledQuery(
            written_in.values_list("code", "limit"), [Slot("rank", RANK)], using="default"
        )


def test_a_run_is_one_query_like_any_other(levels, django_assert_num_queries):
    compiled = CompiledQuery(_up_to(), [Slot("rank", RANK)], using="default")
    with django_assert_num_queries(1):
        compiled.rows({"rank": levels["DR"].rank})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_on_postgresql_only_compiled_queries_are_prepared(levels, settings):
    assert settings.DATABASE_PREPARED_STATEMENTS
    compiled = CompiledQuery(_up_to(), [Slot("rank", RANK)], using="default")
    for level in levels.values():
        compiled.rows({"rank": level.rank})
    list(_up_to(levels["C"].rank))  # an ORM query: bound on the client, never prepared
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        prepared = cursor.fetchall()
    ours = [row for row in prepared if row[0].startswith('SELECT "core_markinglevel"')]
    assert len(ours) == 1  # the compiled query; the ORM's own query is not among them
    (_statement, generic, custom) = ours[0]
    assert custom == 0  # planned once: the generic plan, reused by every run
    assert generic >= len(levels)
