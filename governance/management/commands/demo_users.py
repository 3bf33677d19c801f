"""``manage.py demo_users``: create or reset one demo login per role (development only)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from governance.services import demo_users_ensure


class Command(BaseCommand):
    help = "Create or reset one demo user per role and print the logins (DEBUG only)."

    def handle(self, *args, **options) -> None:
        try:
            logins = demo_users_ensure()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        self.stdout.write("Demo logins (development only; new passwords on every run):")
        for login in logins:
            self.stdout.write(f"  {login.role:<14} {login.username:<16} {login.password}")
