"""Recommended orders: quantity and date per SKU-location, with totals by supplier and week."""
