"""Inventory KPIs per week, stored as additive snapshots (docs/kpis.md)."""
