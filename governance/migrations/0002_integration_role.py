"""Create the integration group: API clients (ERP, WMS) that load data."""

from django.db import migrations


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="integration")


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="integration").delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_roles")]

    operations = [migrations.RunPython(create_group, delete_group)]
