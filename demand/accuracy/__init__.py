"""Forecast accuracy: stored forecast snapshots against demand history by lag (selectors),
the metrics' aggregation (pure helpers) and the forecast-error σ fed to the engine
(:mod:`demand.accuracy.sigma`, pure numpy)."""
