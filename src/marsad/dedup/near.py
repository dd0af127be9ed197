"""The dedup stage: exact and near duplicates of new articles, checked against the whole store.

Each new article is fingerprinted once; its content hash finds exact copies and its LSH band keys
(an indexed table) find near-copy candidates, whose stored signatures give the Jaccard estimate.
Nothing is recomputed for articles already in the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from marsad.dedup.fingerprint import (
    NEAR_THRESHOLD,
    Fingerprint,
    estimate_jaccard,
    fingerprint_id,
    fingerprints,
    signature_from_bytes,
)
from marsad.errors import StoreError
from marsad.ports import Store

#: Meta key under which the store records the fingerprint scheme its rows were made with.
FINGERPRINT_META = "fingerprint_scheme"
#: Articles with fewer distinct shingles than this are too short for a meaningful near-duplicate
#: estimate (a 3-word body matches every other 3-word body that shares it); exact matching still applies.
MIN_SHINGLES = 8


@dataclass(slots=True)
class DedupReport:
    """What one dedup run found."""

    articles: int = 0
    exact: int = 0
    near: int = 0
    pairs: list[tuple[int, int, str, float]] = field(default_factory=list)


def check_scheme(store: Store) -> None:
    """Record the fingerprint scheme in a fresh store; refuse a store made with another one."""
    current = fingerprint_id()
    stored = store.get_meta(FINGERPRINT_META)
    if stored is None:
        store.set_meta(FINGERPRINT_META, current)
    elif stored != current:
        raise StoreError(
            f"store fingerprints were made with {stored}, this Marsad uses {current}; re-derive them with `marsad reindex`"
        )


def dedup_articles(store: Store, ids: Sequence[int], threshold: float = NEAR_THRESHOLD) -> DedupReport:
    """Fingerprint the given articles and record their exact and near duplicates among all stored articles."""
    check_scheme(store)
    report = DedupReport()
    arts = store.article_texts(ids)
    fps = fingerprints([(a.get("title"), a.get("text") or "") for a in arts])
    for art, fp in zip(arts, fps, strict=True):
        report.articles += 1
        _dedup_one(store, int(art["id"]), fp, threshold, report)
    return report


def _dedup_one(store: Store, aid: int, fp: Fingerprint, threshold: float, report: DedupReport) -> None:
    exact = [o for o in store.same_content(fp.content_hash) if o != aid]
    for other in exact:
        store.add_duplicate(aid, other, "exact", 1.0)
        report.exact += 1
        report.pairs.append((other, aid, "exact", 1.0))
    if fp.shingles >= MIN_SHINGLES:
        exact_set = set(exact)
        candidates = [o for o in store.lsh_candidates(fp.band_keys) if o != aid and o not in exact_set]
        for other, raw in store.signatures(candidates).items():
            j = estimate_jaccard(fp.signature, signature_from_bytes(raw))
            if j >= threshold:
                store.add_duplicate(aid, other, "near", round(j, 4))
                report.near += 1
                report.pairs.append((other, aid, "near", round(j, 4)))
    store.add_fingerprint(
        aid,
        fp.content_hash,
        fp.signature_bytes(),
        fp.shingles,
        fp.band_keys if fp.shingles >= MIN_SHINGLES else (),
    )


def duplicate_groups(
    store: Store, kinds: Iterable[str] = ("exact", "near", "paraphrase")
) -> list[dict[str, Any]]:
    """Return duplicate groups ``{"kind", "members", "score", "pairs"}`` (connected components per kind).

    Exact groups join exact pairs; near groups join exact and near pairs and contain at least one
    near pair; paraphrase groups join all pairs and contain at least one paraphrase pair. The score
    is the lowest pair score inside the group (every member is at least that close to a neighbour);
    ``pairs`` lists every linked pair ``{"a", "b", "kind", "score"}`` with its own score (the MinHash
    Jaccard estimate for near pairs, the pair probability for paraphrases). Strongest groups first.
    """
    wanted = set(kinds)
    pairs = store.duplicate_pairs()
    rank = {"exact": 3, "near": 2, "paraphrase": 1}
    out: list[dict[str, Any]] = []
    covered: set[frozenset[int]] = set()
    for kind in ("exact", "near", "paraphrase"):
        edges = [(a, b, k, s) for a, b, k, s in pairs if rank[k] >= rank[kind]]
        for comp, comp_edges in _components(edges):
            if not any(k == kind for _, _, k, _ in comp_edges):
                continue
            key = frozenset(comp)
            if key in covered:
                continue
            covered.add(key)
            if kind in wanted:
                out.append(
                    {
                        "kind": kind,
                        "ids": sorted(comp),
                        "score": round(min(s for _, _, _, s in comp_edges), 4),
                        "pairs": [
                            {"a": a, "b": b, "kind": k, "score": round(sc, 4)}
                            for a, b, k, sc in sorted(comp_edges, key=lambda e: (-e[3], e[0], e[1]))
                        ],
                    }
                )
    rows = store.article_rows([i for g in out for i in g["ids"]])
    groups = []
    for g in out:
        members = [
            {"id": i, "url": rows[i].url, "source": rows[i].source, "title": rows[i].title}
            for i in g["ids"]
            if i in rows
        ]
        groups.append({"kind": g["kind"], "members": members, "score": g["score"], "pairs": g["pairs"]})
    groups.sort(
        key=lambda g: (-rank[g["kind"]], -len(g["members"]), g["members"][0]["id"] if g["members"] else 0)
    )
    return groups


def _components(
    edges: list[tuple[int, int, str, float]],
) -> list[tuple[list[int], list[tuple[int, int, str, float]]]]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _, _ in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[int, list[int]] = {}
    for x in list(parent):
        members.setdefault(find(x), []).append(x)
    comp_edges: dict[int, list[tuple[int, int, str, float]]] = {}
    for e in edges:
        comp_edges.setdefault(find(e[0]), []).append(e)
    return [(sorted(m), comp_edges.get(root, [])) for root, m in sorted(members.items())]
