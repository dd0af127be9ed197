"""Scoring story assignments against judged gold: pairwise precision/recall, B-cubed, rank correlation.

The gold (tests/data/stories/) names articles by URL; a system's assignment is a map from URL to
story id. Pairwise figures use the judged pairs whose two articles were both clustered; B-cubed
uses the complete story groups (borderline members left out), restricted to their members, so a
story that also holds articles outside the gold is not penalized for them.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class GoldPair:
    """One judged pair."""

    pair_id: str
    split: str
    stratum: str
    url1: str
    url2: str
    grade: int
    same_story: bool
    kind: str
    day1: str = ""
    day2: str = ""


@dataclass(frozen=True, slots=True)
class GoldGroup:
    """One complete story (an event, or one instance of a template kind)."""

    group_id: str
    kind: str
    family: str
    split: str
    urls: tuple[str, ...]
    borderline: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PRF:
    """Precision, recall, F1 and the counts behind them."""

    precision: float
    recall: float
    f1: float
    n: int

    def to_dict(self) -> dict[str, float]:
        """Return the JSON form."""
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4), "n": self.n}


def prf(tp: float, fp: float, fn: float, n: int) -> PRF:
    """Return precision, recall and F1 from counts (0 where undefined)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return PRF(p, r, 2 * p * r / (p + r) if p + r else 0.0, n)


def load_pairs(path: Path, split: str | None = None) -> list[GoldPair]:
    """Read judged pairs (JSON Lines), optionally one split's."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        if split is None or r["split"] == split:
            out.append(GoldPair(r["pair_id"], r["split"], r.get("stratum", ""), r["url1"], r["url2"],
                                int(r["grade"]), bool(r["same_story"]), r.get("kind", ""),
                                r.get("day1", ""), r.get("day2", "")))
    return out


def load_groups(path: Path, split: str | None = None) -> list[GoldGroup]:
    """Read complete story groups, optionally one split's."""
    out = []
    for g in json.loads(path.read_text(encoding="utf-8")):
        if split is None or g["split"] == split:
            out.append(GoldGroup(g["group_id"], g["kind"], g["family"], g["split"], tuple(g["urls"]),
                                 tuple(g.get("borderline_urls", ()))))
    return out


def pairwise(pairs: Iterable[GoldPair], story: Mapping[str, int]) -> PRF:
    """Return pairwise precision/recall/F1 of "same story id" against the judged same-story labels."""
    tp = fp = fn = n = 0
    for p in pairs:
        if p.url1 not in story or p.url2 not in story:
            continue
        n += 1
        same = story[p.url1] == story[p.url2]
        tp += same and p.same_story
        fp += same and not p.same_story
        fn += p.same_story and not same
    return prf(tp, fp, fn, n)


def bcubed(groups: Iterable[GoldGroup], story: Mapping[str, int]) -> PRF:
    """Return B-cubed precision/recall/F1 over the gold groups' members (Bagga & Baldwin, 1998)."""
    gold: dict[str, str] = {}
    for g in groups:
        for u in g.urls:
            if u in story:
                gold[u] = g.group_id
    by_sys: dict[int, list[str]] = defaultdict(list)
    by_gold: Counter[str] = Counter(gold.values())
    for u in gold:
        by_sys[story[u]].append(u)
    p_sum = r_sum = 0.0
    for u, gid in gold.items():
        same_sys = by_sys[story[u]]
        both = sum(1 for v in same_sys if gold[v] == gid)
        p_sum += both / len(same_sys)
        r_sum += both / by_gold[gid]
    n = len(gold)
    return prf(p_sum, n - p_sum, n - r_sum, n) if n else PRF(0.0, 0.0, 0.0, 0)


@dataclass(slots=True)
class GroupCheck:
    """How one gold group came out: its main story's share, and the stories it shares with other groups."""

    group_id: str
    kind: str
    members: int
    main_share: float
    merged_with: list[str] = field(default_factory=list)


def group_checks(groups: Sequence[GoldGroup], story: Mapping[str, int]) -> list[GroupCheck]:
    """Return, for each group, the share of its clustered members in its largest story and which
    other gold groups share a story with it (a template instance merged with another)."""
    owners: dict[int, set[str]] = defaultdict(set)
    for g in groups:
        for u in g.urls:
            if u in story:
                owners[story[u]].add(g.group_id)
    out = []
    for g in groups:
        sids = [story[u] for u in g.urls if u in story]
        if not sids:
            continue
        main = Counter(sids).most_common(1)[0][1]
        others = sorted({o for s in set(sids) for o in owners[s] if o != g.group_id})
        out.append(GroupCheck(g.group_id, g.kind, len(sids), main / len(sids), others))
    return out


def ranks(values: Sequence[float]) -> list[float]:
    """Return the ranks of ``values`` (1-based, ties get their average rank)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Return Pearson's correlation (0 when either side is constant)."""
    n = len(x)
    if n < 2:
        return 0.0
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else 0.0


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Return Spearman's rank correlation."""
    return pearson(ranks(x), ranks(y))


def report(pairs: Sequence[GoldPair], groups: Sequence[GoldGroup], story: Mapping[str, int]) -> dict[str, Any]:
    """Return the pairwise and B-cubed figures of one assignment, and the group checks."""
    checks = group_checks(groups, story)
    return {
        "pairwise": pairwise(pairs, story).to_dict(),
        "bcubed": bcubed(groups, story).to_dict(),
        "events_below_90pct": [c.group_id for c in checks if c.kind == "event" and c.main_share < 0.9],
        "templates_merged": sorted({c.group_id for c in checks if c.kind == "template" and c.merged_with}),
    }
