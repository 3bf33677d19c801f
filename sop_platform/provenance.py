"""Provenance fields shared by every loaded input model (frePPLe's source / lastmodified)."""

from django.db import models


class LoadedRecord(models.Model):
    """Abstract base: which system a row came from and when it was first and last loaded."""

    source = models.CharField(
        max_length=40, default="manual", help_text="System the row was loaded from (erp, wms...)."
    )
    loaded_at = models.DateTimeField(auto_now_add=True, help_text="When the row was first loaded.")
    updated_at = models.DateTimeField(auto_now=True, help_text="When the row last changed.")

    class Meta:
        abstract = True
