"""A django-q2 schedule that fails run batches whose worker is gone, every 10 minutes."""

from django.db import migrations
from django.utils import timezone

NAME = "Fail lost run batches"


def create(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.get_or_create(
        name=NAME,
        defaults={
            "func": "inventory.runs.tasks.lost_batches_task",
            "schedule_type": "I",  # every `minutes`
            "minutes": 10,
            "repeats": -1,
            "next_run": timezone.now(),
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_run_schedules")]

    operations = [migrations.RunPython(create, remove)]
