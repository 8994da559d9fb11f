"""The scorer's measured accuracy on a held-out labelled set that it was not built from.

``heldout.csv`` beside this file was written by an annotator who never saw the lexicon; see
``HELDOUT.md``. The figures are computed from it (once per process), never typed in.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

from apps.predictions.sentiment.scorer import evaluate

HELDOUT = Path(__file__).with_name("heldout.csv")


def heldout_examples() -> list[tuple[str, str]]:
    with HELDOUT.open(encoding="utf-8", newline="") as handle:
        return [(row["text"], row["label"]) for row in csv.DictReader(handle)]


@functools.cache
def measured_accuracy() -> dict:
    """Accuracy, macro-F1, majority baseline and confusion matrix on the held-out set."""
    return evaluate(heldout_examples())
