"""Offline sentiment of financial news (no Django imports here)."""

from apps.predictions.sentiment.scorer import Sentiment, evaluate, score_text, tokenize

__all__ = ["Sentiment", "evaluate", "score_text", "tokenize"]
