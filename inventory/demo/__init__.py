"""Deterministic demo network generator behind ``manage.py load_demo``.

Generation modules (spec, network, items, patterns, demand, forecast, supply, stock, defects)
are numpy only; ``sop_platform.bulk.writer`` and ``sop_platform.bulk.pgbinary`` put the arrays
into the database in bulk and ``service`` orchestrates the stages.
"""
