"""Forecasting: models, calibrated intervals, walk-forward evaluation and model selection.

No Django here: services feed these functions float price series (``close_series``) and store
what they return. See ``walk`` for the origin grid and the no-look-ahead guarantee,
``calibration`` for how intervals and the direction probability are calibrated.
"""

from .base import (
    HORIZONS_CRYPTO,
    HORIZONS_STOCK,
    MIN_TRAIN,
    Forecast,
    Forecaster,
    ForecastingError,
    HorizonForecast,
    InsufficientHistory,
)
from .calibration import reliability_table
from .evaluation import DEFAULT_CANDIDATES, METRIC_KEYS, Evaluation, evaluate, input_effect
from .models import MODELS
from .selection import Selection, forecast, select_model

__all__ = [
    "DEFAULT_CANDIDATES",
    "HORIZONS_CRYPTO",
    "HORIZONS_STOCK",
    "METRIC_KEYS",
    "MIN_TRAIN",
    "MODELS",
    "Evaluation",
    "Forecast",
    "Forecaster",
    "ForecastingError",
    "HorizonForecast",
    "InsufficientHistory",
    "Selection",
    "evaluate",
    "forecast",
    "input_effect",
    "reliability_table",
    "select_model",
]
