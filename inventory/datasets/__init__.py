"""Real data sets loaded through the bulk API, for runs and benchmarks next to the demo."""
