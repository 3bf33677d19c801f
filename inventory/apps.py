from django.apps import AppConfig


class InventoryConfig(AppConfig):
    """Items, locations, network lanes, stock positions and inventory policies."""

    name = "inventory"
    verbose_name = "Inventory"

    def ready(self) -> None:
        # A lead-time shift re-optimizes the SKU-locations it affects.
        from inventory.runs.triggers import on_lane_changes_recorded
        from supply.signals import lane_changes_recorded

        lane_changes_recorded.connect(on_lane_changes_recorded, dispatch_uid="lane_change_runs")
