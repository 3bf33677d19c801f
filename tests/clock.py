"""Shift the whole suite's clock to prove that no test depends on the date it runs on.

``pytest --clock-shift-days=365`` (or ``-365``) moves "now" by that many days for the test
process and, through ``TEST_CLOCK_SHIFT_DAYS``, for the worker processes the tests start. The
clock keeps ticking. Tests that do depend on "today" pin it themselves (``pinned_clock``).
"""

import os
from datetime import UTC, datetime, timedelta

import time_machine

SHIFT_VARIABLE = "TEST_CLOCK_SHIFT_DAYS"

# The "today" of tests whose expectations were computed by hand for one date (a Wednesday).
PINNED_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def shift_clock_from_env() -> int:
    """Start travelling by ``TEST_CLOCK_SHIFT_DAYS`` days (none when unset); the shift in days."""
    days = int(os.environ.get(SHIFT_VARIABLE) or 0)
    if days:
        time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True).start()
    return days


def pinned_clock(now: datetime = PINNED_NOW) -> time_machine.travel:
    """A clock fixed on ``now`` (ticking from there) for a test that depends on the date."""
    return time_machine.travel(now, tick=True)
