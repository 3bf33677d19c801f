"""Signals of the supply app."""

from django.dispatch import Signal

lane_changes_recorded = Signal()
"""Sent after a lead-time refresh recorded lane-change events; ``events`` is how many."""
