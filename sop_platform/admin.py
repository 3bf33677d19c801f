"""Admin building blocks shared by the apps."""

import math
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

EMPTY = "–"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the system only: viewable and filterable, never edited by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyHistoryAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Read-only rows with their django-simple-history pages. simple-history saves a POST to a
    past version's page ("Revert") for anyone who may view it; here nobody may."""

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context=None
    ) -> HttpResponse:
        if request.method == "POST":
            raise PermissionDenied("Read-only: this row changes through its service only.")
        return super().history_form_view(request, object_id, version_id, extra_context)


def readable_number(value: float | int | None, places: int = 2) -> str:
    """A quantity for people: thousands separated, at most ``places`` decimals, trailing
    zeros trimmed (``1234.5`` -> ``"1,234.5"``, ``40.0`` -> ``"40"``)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return EMPTY
    text = f"{value:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def signed_number(value: float | int | None, places: int = 2) -> str:
    """A change for people: ``readable_number`` with its sign (``+10``, ``-2.5``, ``0``)."""
    text = readable_number(value, places)
    return text if text in (EMPTY, "0") or text.startswith("-") else f"+{text}"


def readable_share(value: float | None, places: int = 1) -> str:
    """A share as a percentage, trimmed (``0.951`` -> ``"95.1 %"``, ``0.95`` -> ``"95 %"``)."""
    if value is None or not math.isfinite(value):
        return EMPTY
    return f"{readable_number(value * 100, places)} %"


def number_column(field: str, description: str, places: int = 2) -> Callable[[Any], str]:
    """A changelist or read-only column showing a float field as ``readable_number``."""

    @admin.display(description=description, ordering=field)
    def column(row: Any) -> str:
        return readable_number(getattr(row, field), places)

    column.__name__ = f"{field}_readable"
    return column


# Registers the API token admin and the user admin (password-reset links) with the site.
from sop_platform.accounts import admin as _accounts_admin  # noqa: E402, F401
