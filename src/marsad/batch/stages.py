"""Engine-neutral batch stages: a partition of input → article rows with fingerprints; pairs → duplicate groups.

These are plain functions over plain values (str, int, bytes, lists, dicts) so that any engine can
run them: the local engine calls them in a loop, the Spark adapter calls them per partition and
does the joins. They reuse Marsad's own stage code (``iter_documents``, ``extract``, the dedup
fingerprints), so a batch run finds what the embedded pipeline finds.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from marsad.dedup.fingerprint import NEAR_THRESHOLD, estimate_jaccard, fingerprints, signature_from_bytes
from marsad.dedup.near import MIN_SHINGLES
from marsad.ingest.files import expand_paths, iter_documents
from marsad.models import Page, Rejection
from marsad.pipeline import process
from marsad.settings import Settings

#: Tasks each input file is split into (every task reads the file and keeps every n-th document):
#: SaudiNewsNet ships one 12 MB JSON file per day, so without a split one day is one task.
SPLITS_PER_FILE = 4
#: Articles fingerprinted per MinHash call inside a task (rensa computes a batch at once; 256
#: keeps a task's memory small while amortizing the call).
FINGERPRINT_BATCH = 256
#: Band buckets larger than this are skipped (boilerplate shared by thousands of pages would make
#: a quadratic join); chosen far above any wire story's copy count in SaudiNewsNet (< 30).
MAX_BUCKET = 500
_RANK = {"exact": 3, "near": 2}
#: Fields of one entity mention in a batch article row (the ``marsad parse --json`` shape).
ENTITY_FIELDS = ("text", "start", "end", "type", "id", "name")


@dataclass(frozen=True, slots=True)
class Task:
    """One partition of work: documents ``index % splits == part`` of one input file."""

    path: str
    part: int
    splits: int


def make_tasks(specs: Iterable[str], splits: int = SPLITS_PER_FILE) -> list[Task]:
    """Return the tasks covering every file under ``specs`` (folders, globs and zips expanded)."""
    return [Task(str(p), k, splits) for p in expand_paths(specs) for k in range(splits)]


def _article_rows(page: Page) -> Iterator[dict[str, Any]]:
    for position, a in enumerate(page.articles):
        d = a.to_dict()
        yield {
            "key": a.content_key(),
            "page_sha256": page.sha256 or "",
            "page_uri": page.uri,
            "position": position,
            "url": a.url,
            "source": d["source"],
            "title": d["title"],
            "date": d["date"],
            "text": a.text,
            # Canonical entity mentions (offsets into the page text), as the embedded store keeps them.
            "entities": [
                {f: getattr(m, f) for f in ENTITY_FIELDS} for m in a.entities or []
            ],
        }


def process_task(task: Task, settings: Settings) -> Iterator[dict[str, Any]]:
    """Yield one row per article (with fingerprint) and per rejection of one task's documents."""
    docs = itertools.islice(iter_documents([task.path], settings), task.part, None, task.splits)
    pending: list[dict[str, Any]] = []
    for raw in docs:
        result = process(raw, settings)
        if isinstance(result, Rejection):
            yield {"kind": "rejection", "uri": result.source, "reason": result.reason, "detail": result.detail[:2000]}
            continue
        pending.extend(_article_rows(result))
        if len(pending) >= FINGERPRINT_BATCH:
            yield from _fingerprinted(pending)
            pending = []
    yield from _fingerprinted(pending)


def _fingerprinted(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for row, fp in zip(rows, fingerprints([(r["title"], r["text"]) for r in rows]), strict=True):
        usable = fp.shingles >= MIN_SHINGLES
        yield {
            **row,
            "kind": "article",
            "content_hash": fp.content_hash,
            "signature": fp.signature_bytes(),
            "shingles": fp.shingles,
            # Too-short texts get no band keys, exactly as in the embedded dedup stage.
            "band_keys": list(fp.band_keys) if usable else [],
        }


def near_score(sig_a: bytes, sig_b: bytes) -> float:
    """Return the rounded MinHash Jaccard estimate of two stored signatures."""
    return round(estimate_jaccard(signature_from_bytes(sig_a), signature_from_bytes(sig_b)), 4)


def local_pairs(articles: Sequence[dict[str, Any]], threshold: float = NEAR_THRESHOLD) -> list[tuple[str, str, str, float]]:
    """Return duplicate pairs ``(key_a, key_b, kind, score)`` by content hash and by LSH band buckets (in memory)."""
    by_hash: dict[str, list[str]] = {}
    by_band: dict[int, list[int]] = {}
    for i, a in enumerate(articles):
        by_hash.setdefault(a["content_hash"], []).append(a["key"])
        for k in a["band_keys"]:
            by_band.setdefault(k, []).append(i)
    pairs: dict[tuple[str, str], tuple[str, float]] = {}
    for keys in by_hash.values():
        for x, y in itertools.combinations(sorted(keys), 2):
            pairs[(x, y)] = ("exact", 1.0)
    for members in by_band.values():
        if len(members) > MAX_BUCKET:
            continue
        for i, j in itertools.combinations(members, 2):
            a, b = articles[i], articles[j]
            lo, hi = sorted((a["key"], b["key"]))
            if (lo, hi) in pairs:
                continue
            s = near_score(a["signature"], b["signature"])
            if s >= threshold:
                pairs[(lo, hi)] = ("near", s)
    return [(a, b, k, s) for (a, b), (k, s) in sorted(pairs.items())]


def _find(parent: dict[str, str], x: str) -> str:
    parent.setdefault(x, x)
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def dedup_groups(pairs: Iterable[tuple[str, str, str, float]]) -> list[dict[str, Any]]:
    """Return duplicate groups ``{"kind", "keys", "score"}`` with the embedded stage's rules.

    Exact groups join exact pairs; near groups join exact and near pairs and hold at least one
    near pair (the same connected components as ``marsad.dedup.near.duplicate_groups``).
    """
    edges = list(pairs)
    out: list[dict[str, Any]] = []
    covered: set[frozenset[str]] = set()
    for kind in ("exact", "near"):
        parent: dict[str, str] = {}
        chosen = [e for e in edges if _RANK.get(e[2], 0) >= _RANK[kind]]
        for a, b, _, _ in chosen:
            ra, rb = _find(parent, a), _find(parent, b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        comps: dict[str, list[tuple[str, str, str, float]]] = {}
        for e in chosen:
            comps.setdefault(_find(parent, e[0]), []).append(e)
        for comp_edges in comps.values():
            if not any(e[2] == kind for e in comp_edges):
                continue
            keys = frozenset(k for e in comp_edges for k in e[:2])
            if keys in covered:
                continue
            covered.add(keys)
            out.append({"kind": kind, "keys": sorted(keys), "score": round(min(e[3] for e in comp_edges), 4)})
    out.sort(key=lambda g: (-_RANK[g["kind"]], -len(g["keys"]), g["keys"][0]))
    return out


@dataclass(slots=True)
class BatchResult:
    """What a batch run produced (counts, groups by content key, where it wrote)."""

    engine: str
    tasks: int = 0
    articles: int = 0
    rejections: int = 0
    pairs: int = 0
    groups: list[dict[str, Any]] = field(default_factory=list)
    #: URL of each article in a group, by content key (for showing and comparing groups).
    urls: dict[str, str | None] = field(default_factory=dict)
    seconds: float = 0.0
    out: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (groups summarized by kind and size)."""
        return {
            "engine": self.engine,
            "tasks": self.tasks,
            "articles": self.articles,
            "rejections": self.rejections,
            "pairs": self.pairs,
            "groups": len(self.groups),
            "exact_groups": sum(g["kind"] == "exact" for g in self.groups),
            "near_groups": sum(g["kind"] == "near" for g in self.groups),
            "seconds": round(self.seconds, 2),
            "out": self.out,
        }
