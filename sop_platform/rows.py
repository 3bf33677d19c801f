"""Insert many plain rows of one model in a single statement, without model instances.

PostgreSQL gets one ``COPY … FROM STDIN``; other databases one ``executemany`` INSERT. Values
are given per column; fields left out get what ``bulk_create`` would give them (``auto_now``
fields: now).
Like ``bulk_create`` this calls no ``save()`` and sends no signals; unlike it, the number of
statements never depends on the number of rows, and it is several times faster.
"""

import json
from collections.abc import Sequence

from django.db import connection, models
from django.utils import timezone


def _adapted(field: models.Field, values: Sequence) -> list:
    ops = connection.ops
    if isinstance(field, models.JSONField):
        return [None if v is None else json.dumps(v) for v in values]
    if isinstance(field, models.DateTimeField):
        return [ops.adapt_datetimefield_value(v) for v in values]
    if isinstance(field, models.DateField):
        return [ops.adapt_datefield_value(v) for v in values]
    return list(values)


def _defaults(model: type[models.Model], given: set[str], count: int) -> dict[str, list]:
    now = timezone.now()
    filled = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in given or field.name in given:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            filled[field.attname] = [now] * count
        else:  # the model default, or what Django itself would insert ('' or NULL)
            filled[field.attname] = [field.get_default()] * count
    return filled


def columns_insert(model: type[models.Model], columns: dict[str, Sequence]) -> int:
    """Insert ``len`` rows from ``{field attname: values}``; returns the number of rows."""
    count = len(next(iter(columns.values()))) if columns else 0
    if not count:
        return 0
    columns = {**columns, **_defaults(model, set(columns), count)}
    fields = [model._meta.get_field(name) for name in columns]
    values = [_adapted(field, columns[field.attname]) for field in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(field.column) for field in fields)
    rows = zip(*values, strict=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(rows))
    return count


def columns_update(model: type[models.Model], columns: dict[str, Sequence]) -> int:
    """Update rows by primary key: ``columns`` holds ``pk`` and the new values per field.

    PostgreSQL: the rows are copied into a temporary table and one ``UPDATE … FROM`` applies
    them; elsewhere one ``executemany`` UPDATE. Returns the number of rows given.
    """
    keys = list(columns.pop("pk"))
    if not keys:
        return 0
    fields = [model._meta.get_field(name) for name in columns]
    values = [_adapted(field, columns[field.attname]) for field in fields]
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    names = [quote(field.column) for field in fields]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            sets = ", ".join(f"{name} = %s" for name in names)
            rows = list(zip(*values, keys, strict=True))
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE {pk} = %s", rows)
            return len(keys)
        stage = quote(f"update_{model._meta.db_table}")
        cursor.execute(
            f"CREATE TEMP TABLE {stage} AS SELECT {pk}, {', '.join(names)} FROM {table} WHERE false"
        )
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {stage} ({pk}, {', '.join(names)}) FROM STDIN") as copy,
        ):
            for row in zip(keys, *values, strict=True):
                copy.write_row(row)
        sets = ", ".join(f"{name} = s.{name}" for name in names)
        cursor.execute(f"UPDATE {table} t SET {sets} FROM {stage} s WHERE t.{pk} = s.{pk}")
        cursor.execute(f"DROP TABLE {stage}")
    return len(keys)
