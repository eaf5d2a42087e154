"""Querysets compiled to SQL once per process, for the few queries nearly every request runs.

Building and compiling a queryset often costs more than running it: the signed-in
user's query (a join and two subqueries, on every signed-in page) takes ≈ 1.3 ms of
Python and 0.3 ms in PostgreSQL; the product page's per-viewer questions ("do you follow
this creator", "did you buy it") are 2-5x dearer to build than to answer. A
`PreparedQuery` compiles its queryset once per database, then runs that SQL with the
request's values: as model instances (select_related objects, annotations and field
converters, as Django's ModelIterable builds them), as a count, or as an exists.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from threading import Lock

from django.db import connections, router
from django.db.backends.signals import connection_created
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators
from django.dispatch import receiver

# Stand-ins for the integer arguments while compiling, found again among the SQL's
# parameters: past any id here, yet a valid 32-bit positive integer (Django compiles an
# out-of-range lookup to "no rows", with no SQL at all).
_PLACEHOLDER_BASE = 2_147_007_919


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple
    slots: tuple[tuple[int, ...], ...]  # where each argument goes in params

    def params_for(self, values: Sequence[int]) -> list:
        params = list(self.params)
        for slots, value in zip(self.slots, values, strict=True):
            for slot in slots:
                params[slot] = value
        return params

    @cached_property
    def name(self) -> str:
        """Its name as a server-side prepared statement: the same in every process."""
        return "rc_" + hashlib.sha256(self.sql.encode()).hexdigest()[:20]

    def run(self, connection, values: Sequence[int]) -> list[tuple]:
        """The rows, from a server-side prepared statement on PostgreSQL: planning these
        joins and subqueries took longer than running them (≈ 0.4 ms against 0.1 ms)."""
        params = self.params_for(values)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                name = _prepared_on(connection, cursor, self)
                cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
            else:
                cursor.execute(self.sql, params)
            return cursor.fetchall()


_PREPARED_ATTR = "_relcommerce_prepared_statements"  # on Django's connection wrapper


def _prepared_on(connection, cursor, statement: _Statement) -> str:
    """The statement's name on this database session, preparing it the first time."""
    prepared = connection.__dict__.setdefault(_PREPARED_ATTR, set())
    name, sql = statement.name, statement.sql
    if name not in prepared:
        numbers = iter(range(1, sql.count("%s") + 1))
        positional = re.sub(r"%s|%%", lambda m: f"${next(numbers)}" if m[0] == "%s" else "%", sql)
        cursor.execute(f"PREPARE {name} AS {positional}")
        prepared.add(name)
    return name


@receiver(connection_created)
def _forget_prepared(sender, connection, **kwargs):
    """A new session has none of the old one's prepared statements."""
    connection.__dict__.pop(_PREPARED_ATTR, None)


@dataclass(frozen=True)
class _Rows:
    """How to turn a row into an instance: what ModelIterable works out per query."""

    statement: _Statement
    compiler: object  # its select list gives the converters for the rows
    model: type[Model]
    init_list: list[str]
    fields: slice
    populators: list
    annotations: dict[str, int]


class PreparedQuery:
    """`build(*ints)` returns the queryset; the PreparedQuery runs it with real integers.

    Arguments are integers (ids) that end up as SQL parameters; that is checked when
    compiling, so a query that can't be prepared fails at its first use. The queryset
    must be a plain one of model instances (no prefetch, no values()): run prefetches on
    the result.
    """

    def __init__(self, build: Callable[..., QuerySet], *, arity: int = 1):
        self.build = build
        self.arity = arity
        self._model: type[Model] | None = None
        self._compiled: dict[tuple[str, str], _Rows | _Statement] = {}
        self._lock = Lock()

    def __call__(self, *values: int) -> list[Model]:
        using, values = self._using(values)
        rows = self._compiled.get(("rows", using)) or self._compile_rows(using)
        found = rows.statement.run(connections[using], values)
        return [self._instance(rows, using, row) for row in rows.compiler.results_iter([found])]

    def count(self, *values: int) -> int:
        row = self._scalar("count", values, lambda queryset: queryset.count())
        return int(row[0]) if row else 0

    def exists(self, *values: int) -> bool:
        return self._scalar("exists", values, lambda queryset: queryset.exists()) is not None

    # --- Compiling ---------------------------------------------------------------------

    def _using(self, values: tuple) -> tuple[str, list[int]]:
        if len(values) != self.arity:
            raise TypeError(f"expected {self.arity} argument(s), got {len(values)}")
        if self._model is None:
            self._model = self.build(*self._placeholders()).model
        return router.db_for_read(self._model), [int(value) for value in values]

    def _placeholders(self) -> list[int]:
        return [_PLACEHOLDER_BASE + i for i in range(self.arity)]

    def _statement(self, sql: str, params: Sequence) -> _Statement:
        slots = []
        for placeholder in self._placeholders():
            found = tuple(i for i, param in enumerate(params) if param == placeholder)
            if not found:
                raise ValueError(f"argument {placeholder} is not a parameter of the SQL")
            slots.append(found)
        return _Statement(sql, tuple(params), tuple(slots))

    def _compile_rows(self, using: str) -> _Rows:
        with self._lock:
            if ("rows", using) in self._compiled:
                return self._compiled["rows", using]
            queryset = self.build(*self._placeholders())
            if (
                queryset._prefetch_related_lookups
                or queryset._known_related_objects
                or queryset._iterable_class is not ModelIterable
            ):
                raise ValueError("a PreparedQuery returns model instances and can't prefetch")
            compiler = queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            select, klass_info = compiler.select, compiler.klass_info
            fields = klass_info["select_fields"]
            start, end = fields[0], fields[-1] + 1
            rows = _Rows(
                statement=self._statement(sql, params),
                compiler=compiler,
                model=klass_info["model"],
                init_list=[column[0].target.attname for column in select[start:end]],
                fields=slice(start, end),
                populators=get_related_populators(klass_info, select, using),
                annotations=dict(compiler.annotation_col_map or {}),
            )
            self._compiled["rows", using] = rows
            return rows

    def _scalar(self, kind: str, values: tuple, run: Callable[[QuerySet], object]):
        """The first row of the SQL that `run` (count, exists) makes Django execute."""
        using, values = self._using(values)
        statement = self._compiled.get((kind, using)) or self._observe(kind, using, run)
        found = statement.run(connections[using], values)
        return found[0] if found else None

    def _observe(self, kind: str, using: str, run: Callable[[QuerySet], object]) -> _Statement:
        """Compile by watching Django run the query once with the placeholders: count()
        and exists() build their SQL inside the ORM, with no public way to ask for it."""
        with self._lock:
            if (kind, using) in self._compiled:
                return self._compiled[kind, using]
            executed = []

            def record(execute, sql, params, many, context):
                executed.append((sql, params))
                return execute(sql, params, many, context)

            with connections[using].execute_wrapper(record):
                run(self.build(*self._placeholders()).using(using))
            if len(executed) != 1:
                raise ValueError(f"{kind}() ran {len(executed)} statements, expected one")
            statement = self._compiled[kind, using] = self._statement(*executed[0])
            return statement

    @staticmethod
    def _instance(rows: _Rows, using: str, row) -> Model:
        instance = rows.model.from_db(using, rows.init_list, row[rows.fields])
        for populator in rows.populators:
            populator.populate(row, instance)
        for name, position in rows.annotations.items():
            setattr(instance, name, row[position])
        return instance


def statement_sql(sql: str, using: str = "default") -> str:
    """The SQL behind a captured `EXECUTE rc_…(…)`, for reading query logs and tests;
    any other statement is returned as it is."""
    match = re.match(r"EXECUTE (rc_[0-9a-f]+)\(", sql)
    if match is None:
        return sql
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE name = %s", [match[1]])
        row = cursor.fetchone()
    return row[0] if row else sql
