"""Roles and permissions; later approvals, overrides, exceptions, KPIs and the S&OP cycle."""
