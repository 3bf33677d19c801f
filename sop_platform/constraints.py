"""Builders for the database check constraints that input models share."""

from django.db import models
from django.db.models import Q


def non_negative(table: str, *fields: str) -> list[models.CheckConstraint]:
    """One ``field >= 0`` check per field; NULL passes (a missing value is not a negative one)."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{field}__gte": 0}) | Q(**{f"{field}__isnull": True}),
            name=f"{table}_{field}_non_negative",
        )
        for field in fields
    ]


def positive(table: str, *fields: str) -> list[models.CheckConstraint]:
    """One ``field > 0`` check per field; NULL passes."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{field}__gt": 0}) | Q(**{f"{field}__isnull": True}),
            name=f"{table}_{field}_positive",
        )
        for field in fields
    ]


def open_unit_interval(table: str, field: str) -> models.CheckConstraint:
    """``0 < field < 1``: service levels and fill rates."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gt": 0, f"{field}__lt": 1}),
        name=f"{table}_{field}_between_0_and_1",
    )
