"""``manage.py create_api_token <username> --days N``: issue an API token and print its key once."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sop_platform.accounts.tokens import api_token_issue


class Command(BaseCommand):
    help = (
        "Issue an API token for a user (an integration) and print its key. The key is shown "
        "only this once; the database keeps a hash."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--days",
            type=int,
            default=settings.API_TOKEN_DAYS,
            help=f"Days the token is valid (default {settings.API_TOKEN_DAYS}).",
        )
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args, username: str, days: int, name: str, **options) -> None:
        try:
            user = get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None
        try:
            issued = api_token_issue(user=user, days=days, name=name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stderr.write(
            f"Token for {username}, valid until {issued.token.expiry:%Y-%m-%d %H:%M %Z}. "
            "The key is shown only now:"
        )
        self.stdout.write(issued.key)
