"""Parsing of management-command options shared by the apps' commands."""

from datetime import date

from django.core.management.base import CommandError


def date_option(value: str | None, flag: str) -> date | None:
    """``value`` of option ``flag`` as a date (None when not given); CommandError otherwise."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"{flag} {value!r} is not a date; use YYYY-MM-DD.") from error
