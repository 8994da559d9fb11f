"""Score the sentiment of financial text with the QuantumVest finance lexicon.

Deterministic and offline: nothing downloads. A headline's score is in [-1, 1]; a label is
"positive", "negative" or "neutral" by thresholds that were fixed before evaluation.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from apps.predictions.sentiment.lexicon import INTENSIFIERS, NEGATIONS, PHRASES, WORDS

NEUTRAL_BAND = 0.05
NEGATION_WINDOW = 3  # a negation reaches this many tokens ahead
_NORMALISER = 4.0  # score = s / sqrt(s^2 + 4): one strong term gives about ±0.8

_TOKEN = re.compile(r"[a-z0-9]+(?:['\-][a-z0-9]+)*")
_PHRASES = sorted(((tuple(p.split()), w) for p, w in PHRASES.items()), key=lambda item: -len(item[0]))
_MAX_PHRASE = max(len(tokens) for tokens, _ in _PHRASES)
_PHRASE_INDEX: dict[tuple[str, ...], float] = dict(_PHRASES)


@dataclass(frozen=True)
class Sentiment:
    score: float
    label: str
    matches: tuple[str, ...] = field(default_factory=tuple)


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall((text or "").lower().replace("’", "'"))


def _label(score: float) -> str:
    if score > NEUTRAL_BAND:
        return "positive"
    if score < -NEUTRAL_BAND:
        return "negative"
    return "neutral"


def score_text(text: str) -> Sentiment:
    """Score one text. Phrases match before words; negation flips and damps a term's weight;
    an intensifier right before a term scales it."""
    tokens = tokenize(text)
    total = 0.0
    matches: list[str] = []
    negated_until = -1
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in NEGATIONS:
            negated_until = i + NEGATION_WINDOW
            i += 1
            continue
        weight, length = None, 1
        for size in range(min(_MAX_PHRASE, len(tokens) - i), 1, -1):
            candidate = tuple(tokens[i : i + size])
            if candidate in _PHRASE_INDEX:
                weight, length = _PHRASE_INDEX[candidate], size
                break
        if weight is None:
            weight = WORDS.get(token)
        if weight is not None:
            if i > 0 and tokens[i - 1] in INTENSIFIERS:
                weight *= INTENSIFIERS[tokens[i - 1]]
            if i <= negated_until:
                weight *= -0.5  # "did not beat" is bad news, but less bad than "missed"
            total += weight
            matches.append(" ".join(tokens[i : i + length]))
        i += length
    score = total / math.sqrt(total * total + _NORMALISER) if total else 0.0
    return Sentiment(score=round(score, 4), label=_label(score), matches=tuple(matches))


def evaluate(examples: list[tuple[str, str]]) -> dict:
    """Accuracy, macro-F1 and a confusion matrix of ``score_text`` on (text, label) examples."""
    labels = ("negative", "neutral", "positive")
    confusion = {truth: dict.fromkeys(labels, 0) for truth in labels}
    for text, truth in examples:
        confusion[truth][score_text(text).label] += 1
    n = sum(sum(row.values()) for row in confusion.values())
    correct = sum(confusion[label][label] for label in labels)
    f1s = []
    for label in labels:
        tp = confusion[label][label]
        predicted = sum(confusion[truth][label] for truth in labels)
        actual = sum(confusion[label].values())
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    majority = max(sum(confusion[label].values()) for label in labels) / n if n else 0.0
    return {
        "n": n,
        "accuracy": correct / n if n else 0.0,
        "macro_f1": sum(f1s) / len(f1s),
        "majority_baseline": majority,
        "confusion": confusion,
    }
