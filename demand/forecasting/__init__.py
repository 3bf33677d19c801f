"""Statistical demand forecasting (pure numpy, no Django): error metrics, Syntetos–Boylan
demand classes, exponential smoothing, intermittent-demand methods and per-row method
selection on a holdout. See docs/forecasting.md."""

from demand.forecasting.metrics import bias, mape, mase, rmse, wape
from demand.forecasting.select import ForecastResult, forecast_portfolio

__all__ = ["ForecastResult", "bias", "forecast_portfolio", "mape", "mase", "rmse", "wape"]
