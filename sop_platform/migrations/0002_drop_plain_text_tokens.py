"""Drop the table of rest_framework.authtoken (no longer installed), which held keys in plain text.

Its tokens stopped working when knox replaced it; integrations get new tokens from the admin
or ``manage.py create_api_token``. Forgetting its migrations lets the app be installed again.
"""

from django.db import migrations

DROP = "DROP TABLE IF EXISTS authtoken_token"
FORGET = "DELETE FROM django_migrations WHERE app = 'authtoken'"


class Migration(migrations.Migration):
    dependencies = [("sop_platform", "0001_api_tokens")]

    operations = [migrations.RunSQL([DROP, FORGET], reverse_sql=migrations.RunSQL.noop)]
