"""Suppliers, supplier lanes and their constraints, open orders and receipts."""
