"""Hand-written SQL for the few reads every signed-in page makes, through Django's raw
SQL API (`connection.cursor()`): docs.djangoproject.com/en/5.2/topics/db/sql/.

Building and compiling a queryset costs a signed-in page far more than running it: an
`exists()` takes ≈ 0.2 ms of Python against ≈ 0.02 ms written out, and the user with the
header's counts ≈ 1.7 ms against ≈ 0.1 ms (docs/benchmarks.md). So the per-viewer
questions asked on every page are plain SQL strings, written by hand for both SQLite and
PostgreSQL, with table names from the models' `_meta` — whole queries where the answer
is a number or a flag, `RawSQL` annotations where model instances are loaded. Everything
else stays ORM. Only table and column names from `_meta` are put into these strings;
every value goes as a parameter (hence the `noqa: S608` where they are written).
"""

from collections.abc import Sequence

from django.db import connection


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def col(model, field: str) -> str:
    """A model's column, qualified by its table, as the ORM's own FROM clause names it."""
    quote = connection.ops.quote_name
    return f"{table(model)}.{quote(model._meta.get_field(field).column)}"


def placeholders(values: Sequence) -> str:
    return ", ".join(["%s"] * len(values))


def one(sql: str, params: Sequence) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def column(sql: str, params: Sequence) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def exists(sql: str, params: Sequence) -> bool:
    return one(sql, params) is not None
