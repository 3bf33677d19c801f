"""INSERT … SELECT from a queryset: rows computed by the database from other rows, in one
statement, whatever their number (publications, accept-all, history rows of bulk paths)."""

from django.db import connection, models
from django.db.models import Expression, QuerySet, Value
from django.utils import timezone


def insert_select(model: type[models.Model], columns: list[str], select: QuerySet) -> int:
    """Insert into ``model``'s ``columns`` (field names or attnames) the rows of ``select``
    (a ``values_list`` in the same order); how many."""
    if not select.exists():
        return 0  # (and an empty IN () could not be compiled into SQL)
    sql, params = select.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({names}) {sql}", params)
        return cursor.rowcount


def insert_history(
    model: type[models.Model],
    rows: QuerySet,
    *,
    user,
    reason: str | Expression,
    kind: str = "~",
    path: str = "",
) -> int:
    """django-simple-history rows of ``model`` as stored now, one per row of ``rows``, with
    who (``user``) and why (``reason``, text or an expression over ``rows``); ``path`` leads
    from the rows' model to ``model`` (e.g. "policy__"; "" when they are ``model``'s rows).
    What a bulk path writes instead of a save per row."""
    history = model.history.model
    tracked = [field.attname for field in history.tracked_fields]
    extra = {
        "history_date": Value(timezone.now()),
        "history_change_reason": reason if isinstance(reason, Expression) else Value(reason),
        "history_type": Value(kind),
        "history_user_id": Value(user.pk),
    }
    select = rows.order_by().annotate(**{f"history_{k}": v for k, v in extra.items()})
    select = select.values_list(*(path + t for t in tracked), *(f"history_{k}" for k in extra))
    return insert_select(history, [*tracked, *extra], select)
