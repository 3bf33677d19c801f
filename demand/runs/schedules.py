"""The django-q2 schedule of forecast runs: a row created after migrate, not a migration."""

from datetime import timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

LOST_SCHEDULE_NAME = "Lost forecast batches"
LOST_SCHEDULE_TASK = "demand.runs.tasks.lost_batches_task"
LOST_SCHEDULE_MINUTES = 10  # as the optimization runs' (inventory migration 0004)


def lost_batches_schedule_ensure(**kwargs: Any) -> None:
    """post_migrate receiver: the django-q2 schedule of :func:`lost_batches_task`, created once
    (a schedule changed or paused in the admin is left as it is)."""
    from django_q.models import Schedule

    Schedule.objects.using(kwargs.get("using", DEFAULT_DB_ALIAS)).get_or_create(
        name=LOST_SCHEDULE_NAME,
        defaults={
            "func": LOST_SCHEDULE_TASK,
            "schedule_type": Schedule.MINUTES,
            "minutes": LOST_SCHEDULE_MINUTES,
            "repeats": -1,
            "next_run": timezone.now() + timedelta(minutes=1),
        },
    )
