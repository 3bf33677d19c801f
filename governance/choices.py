"""Statuses and kinds of the governance app."""

from django.db import models


class Role(models.TextChoices):
    """A user's role; each is a Django group of the same name."""

    PLANNER = "planner", "Planner"
    MANAGER = "manager", "Manager"
    EXECUTIVE = "executive", "Executive"
    ADMIN = "admin", "Administrator"
    INTEGRATION = "integration", "Integration (loads data through the API)"
