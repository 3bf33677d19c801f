"""Transactions the database refuses for a moment: which refusals pass, and trying again.

Two writers of the same rows can make PostgreSQL refuse one of them although nothing is wrong
with its data: a deadlock, a serialization failure, a lock timeout, or a unique violation from
a row another transaction inserted meanwhile. The same transaction run again a moment later
usually commits; :func:`atomic_with_retries` does that, after a short jittered pause so that
the writers do not collide again in step.
"""

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import DatabaseError, transaction

logger = logging.getLogger(__name__)

Result = TypeVar("Result")

# SQLSTATE codes of refusals that may pass (PostgreSQL appendix A).
TRANSIENT_SQLSTATES = {
    "40P01": "deadlock",
    "40001": "serialization failure",
    "55P03": "lock not available",
    "23505": "unique violation",
}
# SQLite's equivalents: another connection held the database past the busy timeout.
TRANSIENT_SQLITE_ERRORS = ("SQLITE_BUSY", "SQLITE_LOCKED")


def is_transient(error: DatabaseError) -> bool:
    """True when ``error`` (as Django raised it) may not recur if the transaction runs again."""
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) in TRANSIENT_SQLSTATES:
        return True
    return getattr(cause, "sqlite_errorname", "").startswith(TRANSIENT_SQLITE_ERRORS)


def atomic_with_retries(
    work: Callable[[], Result], *, attempts: int, pause_seconds: float, label: str
) -> Result:
    """``work()`` in a transaction (a savepoint inside another one), run again up to
    ``attempts`` times in all while the database refuses it for a transient reason.

    The pause before try ``n + 1`` is ``pause_seconds × 2^(n-1)``, jittered by ±50 %. The last
    refusal, or any other database error, is raised as it came; each retried refusal is logged
    with ``label``.
    """
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return work()
        except DatabaseError as error:
            if attempt == attempts or not is_transient(error):
                raise
            logger.warning(
                "%s: try %d of %d refused, trying again: %s", label, attempt, attempts, error
            )
            time.sleep(pause_seconds * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable: the last attempt returns or raises")
