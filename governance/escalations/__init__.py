"""Threshold rules that raise exceptions with an owner from what happened (KPIs, receipts)."""
