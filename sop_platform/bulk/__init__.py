"""Bulk loads of input data: parse CSV or JSON, validate row by row, upsert by natural key."""
