from django.apps import AppConfig


class InventoryConfig(AppConfig):
    """Items, locations, network lanes, stock positions and inventory policies."""

    name = "inventory"
    verbose_name = "Inventory"
