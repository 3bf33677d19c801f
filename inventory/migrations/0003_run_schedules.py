"""The django-q2 schedules of optimization runs: monthly over the network, and an hourly sweep
that starts runs for lane-change events a busy moment deferred."""

from datetime import datetime, time

from django.db import migrations
from django.utils import timezone

SCHEDULES = [
    ("Monthly optimization run", "inventory.runs.tasks.monthly_run_task", "M"),
    ("Lane-change re-optimization", "inventory.runs.tasks.lane_change_task", "H"),
]


def _next_month_start():
    today = timezone.localdate()
    first = today.replace(day=1)
    following = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    return timezone.make_aware(datetime.combine(following, time(2, 0)))


def create(apps, schema_editor):
    schedule = apps.get_model("django_q", "Schedule")
    for name, func, kind in SCHEDULES:
        schedule.objects.get_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": kind,
                "repeats": -1,
                "next_run": _next_month_start() if kind == "M" else timezone.now(),
            },
        )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(
        name__in=[name for name, _, _ in SCHEDULES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0002_policy_runs"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create, remove)]
