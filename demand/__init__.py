"""Demand history, forecasts and, later, forecast-error metrics."""
