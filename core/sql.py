"""Hand-written SQL for the few reads every signed-in page makes, through Django's raw
SQL API (`connection.cursor()`): docs.djangoproject.com/en/5.2/topics/db/sql/.

Building and compiling a queryset costs a signed-in page far more than running it: an
`exists()` takes ≈ 0.2 ms of Python against ≈ 0.02 ms written out, and the user with the
header's counts ≈ 0.6 ms against ≈ 0.06 ms (docs/architecture.md, "Signed-in pages").
So the per-viewer questions asked on every page are plain SQL strings, written by hand
for both SQLite and PostgreSQL, with table names from the models' `_meta`: whole
queries where the answer is a number or a flag. Only table and column names from
`_meta` are put into these strings; every value goes as a parameter (hence the
`noqa: S608` where they are written).

The signed-in user and the pages that list a few rows for one viewer (the cart, a fan's
orders) are read the same way and made into model instances with `load` and `instance`
(Django's documented `Model.from_db` hook, as `QuerySet.raw()` uses it): `instance`
loads only the columns a page shows and defers the others (read on access, like
`.only()`). A raw row holds what the driver returns; `_python` turns it into what the
ORM would give, for the field types read this way. Everything else stays ORM.
"""

from collections.abc import Sequence
from datetime import UTC
from decimal import Decimal

from django.conf import settings
from django.db import connection, models
from django.utils import timezone


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


def rows(sql: str, params: Sequence) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def columns(model, alias: str) -> str:
    """Every column of `model` (table aliased `alias`), in its fields' order: a row of
    these makes an instance with `load`."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def load(model, values: Sequence):
    """A `model` instance from the values of `columns(model, …)` in a row."""
    fields = model._meta.concrete_fields
    return model.from_db(
        connection.alias,
        [f.attname for f in fields],
        [_python(f, value) for f, value in zip(fields, values, strict=True)],
    )


def instance(model, **values):
    """A `model` instance with only these fields (by attribute name, e.g. `shop_id`, with
    values as a row has them), the others deferred."""
    fields = [f for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(
        connection.alias,
        [f.attname for f in fields],
        [_python(f, values[f.attname]) for f in fields],
    )


def _python(field, value):
    """What the ORM makes of a column's value, for the field types our pages read by
    hand: a field's own `from_db_value` (JSON); decimals at the field's places (SQLite
    returns an int or a float); datetimes made aware in UTC (SQLite stores them naive,
    in UTC). Anything else is as the driver returns it."""
    if value is None:
        return None
    if hasattr(field, "from_db_value"):
        return field.from_db_value(value, None, connection)
    if isinstance(field, models.DecimalField) and not isinstance(value, Decimal):
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-field.decimal_places))
    if isinstance(field, models.DateTimeField) and settings.USE_TZ and timezone.is_naive(value):
        return timezone.make_aware(value, UTC)
    return value
