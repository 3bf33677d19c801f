"""Statistical demand forecasting (pure numpy, no Django): error metrics, demand classes,
exponential smoothing, intermittent-demand methods and per-row method selection."""

from demand.forecasting.metrics import bias, mape, mase, rmse, wape

__all__ = ["bias", "mape", "mase", "rmse", "wape"]
