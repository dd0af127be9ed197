"""The story pair score: a graded similarity (0-1) and the probability of one story, from pair features.

Pairs were judged on a 0-4 scale (4 a copy, 3 the same story, 2 the same topic, 1 a look-alike,
0 unrelated; tests/data/stories/GUIDE.md). The model is ordinal by binary decomposition (Frank &
Hall, 2001): one logistic regression per cut ``grade >= k`` (k = 1..4) over the standardized
features of ``marsad.stories.features``. The probability of one story is ``P(grade >= 3)``; the
graded similarity is the expected grade over 4, ``(P(>=1) + P(>=2) + P(>=3) + P(>=4)) / 4``, which
ranks pairs on the whole scale instead of saturating at yes/no. The weights are fitted on the dev
days only by ``scripts/fit_story_model.py`` and shipped in ``data/pair_model.json``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from marsad.stories.features import FEATURES

#: Grade cut whose probability is "one story" (grades 3 and 4 are the same story).
SAME_STORY_GRADE = 3
#: Bound on any feature value fed to the model: every real feature lies in [0, 7]; larger inputs
#: (from a caller's bug) would overflow the standardization.
FEATURE_BOUND = 1e3
#: Bump when the model file's meaning changes (stored scores derived from it go stale).
MODEL_FORMAT = 1


def sigmoid(z: float) -> float:
    """Return the logistic function of ``z``, total over every float (no overflow at any value)."""
    if math.isnan(z):
        return 0.5
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(max(z, -700.0))
    return e / (1.0 + e)


@dataclass(frozen=True, slots=True)
class PairModel:
    """Standardization and one logistic weight row (bias first) per grade cut."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    cuts: np.ndarray  # shape (4, 1 + len(features)): rows for grade >= 1, 2, 3, 4
    meta: dict[str, Any]

    def _x(self, f: np.ndarray) -> np.ndarray:
        """Standardize feature rows (non-finite or absurd values are clamped: real ones lie in [0, 7])."""
        clean = np.clip(np.nan_to_num(f, nan=0.0, posinf=0.0, neginf=0.0), -FEATURE_BOUND, FEATURE_BOUND)
        out: np.ndarray = (clean - self.mean) / self.scale
        return out

    def _z(self, f: np.ndarray) -> np.ndarray:
        out: np.ndarray = self.cuts[:, 0] + self.cuts[:, 1:] @ self._x(f)
        return out

    def probabilities(self, f: np.ndarray) -> list[float]:
        """Return ``P(grade >= k)`` for k = 1..4, made non-increasing in k."""
        ps = [sigmoid(float(z)) for z in self._z(f)]
        for k in range(1, len(ps)):
            ps[k] = min(ps[k], ps[k - 1])
        return ps

    def same_story(self, f: np.ndarray) -> float:
        """Return the probability that the pair tells one story."""
        return self.probabilities(f)[SAME_STORY_GRADE - 1]

    def same_story_many(self, rows: np.ndarray) -> np.ndarray:
        """Return the same-story probability of many pairs at once (one feature row each).

        The cut ``grade >= 3`` alone, without the cap by the lower cuts that ``probabilities``
        applies (one matrix product for all of an article's candidates).
        """
        if not len(rows):
            return np.zeros(0)
        x = self._x(rows)
        row = self.cuts[SAME_STORY_GRADE - 1]
        z = np.clip(row[0] + x @ row[1:], -700.0, 700.0)
        out: np.ndarray = 1.0 / (1.0 + np.exp(-z))
        return out

    def graded(self, f: np.ndarray) -> float:
        """Return the graded similarity in [0, 1]: the expected grade over 4."""
        return sum(self.probabilities(f)) / 4.0

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form written by the fitting script."""
        return {
            "format": MODEL_FORMAT,
            "features": list(self.features),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "cuts": [[round(float(v), 6) for v in row] for row in self.cuts],
            "meta": self.meta,
        }


def model_from_dict(data: dict[str, Any]) -> PairModel:
    """Build a model from its JSON form; refuse one made for other features."""
    if data.get("format") != MODEL_FORMAT or tuple(data["features"]) != FEATURES:
        raise ValueError("story pair model does not match this Marsad's features; refit it")
    return PairModel(
        tuple(data["features"]),
        np.asarray(data["mean"], dtype=np.float64),
        np.asarray(data["scale"], dtype=np.float64),
        np.asarray(data["cuts"], dtype=np.float64),
        dict(data.get("meta", {})),
    )


@lru_cache(maxsize=1)
def load_model() -> PairModel:
    """Return the shipped pair model."""
    raw = resources.files("marsad.stories").joinpath("data/pair_model.json").read_text(encoding="utf-8")
    return model_from_dict(json.loads(raw))
