"""Offline Arabic named-entity tagger: a two-stage linear-chain CRF over rich token features.

The first-stage model (``data/ner.crfsuite``), the second-stage label-consistency model
(``data/ner2.crfsuite``; optional: without it the first stage alone tags) and the training-entity memory
(``data/memory.tsv.gz``) come from ``scripts/train_ner.py`` on ANERcorp. Features also use a
gazetteer (``data/gazetteer.tsv.gz``, ``scripts/build_gazetteer.py``), distributional word clusters
(``data/clusters.tsv.gz``, ``scripts/build_clusters.py``) and trigger-context type hints
(``data/hints.tsv.gz``, ``scripts/build_hints.py``), k-means clusters of word vectors
(``data/vclusters.tsv.gz``, ``scripts/build_embeddings.py``) and the sentence topic (sports, business).
Dense word vectors as real-valued features (``data/embeddings.npz``) are still supported but not
shipped. Nothing is downloaded at run time; labels are BIO with the types PERS, LOC, ORG and MISC.
See ``docs/models/ner.md``.
"""

from __future__ import annotations

import gzip
import io
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pycrfsuite
import snowballstemmer

__all__ = [
    "ENTITY_TYPES",
    "FeatureResources",
    "Tagger",
    "document_features",
    "load_resources",
    "load_tagger",
    "normalize_token",
    "sentence_features",
    "stage2_features",
    "strip_clitics",
    "tag_sentences",
    "tag_tokens",
    "type_probs",
]

ENTITY_TYPES: tuple[str, ...] = ("PERS", "LOC", "ORG", "MISC")

_PACKAGE = "marsad.entities"  # data files live in its data/ folder (package data, not a package)
MODEL_FILE = "ner.crfsuite"
STAGE2_FILE = "ner2.crfsuite"  # optional second-stage model (label consistency across the document)
GAZETTEER_FILE = "gazetteer.tsv.gz"
CLUSTERS_FILE = "clusters.tsv.gz"
HINTS_FILE = "hints.tsv.gz"  # type hints from trigger contexts in unlabeled news
MEMORY_FILE = "memory.tsv.gz"  # entity phrases seen in the training part of ANERcorp
EMBEDDINGS_FILE = "embeddings.npz"  # dense word vectors (real-valued CRF features; optional)
VCLUSTERS_FILE = "vclusters.tsv.gz"  # k-means cluster ids of the same word vectors (string features)
E5CLUSTERS_FILE = "e5clusters.tsv.gz"  # k-means cluster ids of multilingual-e5-small word embeddings

# --- normalisation ---------------------------------------------------------------------------------

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_CHAR_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ک": "ك",
        "ی": "ي",
        "ي": "ي",
        "گ": "ك",
        "ڤ": "ف",
        "پ": "ب",
        "چ": "ج",
        "ۀ": "ه",
        "ؤ": "ء",
        "ئ": "ء",
        "٠": "0",
        "١": "1",
        "٢": "2",
        "٣": "3",
        "٤": "4",
        "٥": "5",
        "٦": "6",
        "٧": "7",
        "٨": "8",
        "٩": "9",
        "۰": "0",
        "۱": "1",
        "۲": "2",
        "۳": "3",
        "۴": "4",
        "۵": "5",
        "۶": "6",
        "۷": "7",
        "۸": "8",
        "۹": "9",
    }
)


def normalize_token(token: str) -> str:
    """Return the orthographically normalized form of one token (alef/yaa/taa-marbuta folded)."""
    return _DIACRITICS.sub("", token).translate(_CHAR_MAP).lower()


# Proclitic combinations, longest first (applied to normalized text).
_PREFIXES: tuple[str, ...] = (
    "وبال",
    "وكال",
    "وفال",
    "فبال",
    "ولل",
    "فلل",
    "وال",
    "فال",
    "بال",
    "كال",
    "لل",
    "ال",
    "وب",
    "ول",
    "وك",
    "فب",
    "فل",
    "و",
    "ف",
    "ب",
    "ل",
    "ك",
)
_DEF_PREFIXES = frozenset(p for p in _PREFIXES if p.endswith("ال") or p.endswith("لل"))
_SUFFIXES: tuple[str, ...] = ("هما", "كما", "هم", "هن", "كم", "كن", "نا", "ها", "ه", "ك", "ي")


def strip_clitics(norm: str) -> tuple[str, str]:
    """Split a normalized token into (proclitic, rest), keeping at least three letters of rest."""
    for prefix in _PREFIXES:
        if norm.startswith(prefix) and len(norm) - len(prefix) >= 3:
            return prefix, norm[len(prefix) :]
    return "", norm


# --- trigger words (normalized, clitic-stripped forms) --------------------------------------------

_TRIGGER_WORDS: dict[str, str] = {
    "PERS": (
        "رئيس الرئيس وزير الوزير وزيرة رئيسة الملك ملك الأمير أمير الشيخ شيخ السيد السيدة "
        "الدكتور د المستشار الجنرال العقيد اللواء العميد الفريق المشير النائب نائب الزعيم زعيم "
        "المتحدث الناطق المبعوث السفير سفير المدير مدير الأمين أمين القائد قائد الرئيسة "
        "المستشارة البابا الإمام المفتي السلطان الحاكم حاكم النجم المدرب اللاعب الكاتب الشاعر "
        "الفنان الممثل الممثلة المطرب المطربة الروائي الصحفي المخرج السناتور العاهل ولي عهد "
        "قال وقال أعلن أكد أضاف صرح ابن بن أبو أبي أم بنت"
    ),
    "LOC": (
        "مدينة المدينة عاصمة العاصمة بلدة قرية محافظة ولاية مقاطعة إقليم منطقة جزيرة جزر نهر "
        "بحر جبل جبال شمال جنوب شرق غرب شمالي جنوبي شرقي غربي وسط دولة بلاد حي ميناء مطار "
        "ضاحية إمارة مملكة جمهورية في إلى من عبر قرب"
    ),
    "ORG": (
        "وكالة شركة جامعة حزب منظمة مؤسسة جمعية مجلس هيئة اتحاد نادي فريق بنك مصرف صندوق لجنة "
        "وزارة جبهة حركة جماعة تنظيم معهد مركز مجموعة صحيفة جريدة مجلة قناة إذاعة تلفزيون "
        "محكمة برلمان الكونغرس الكونجرس البرلمان رابطة نقابة أكاديمية كلية مستشفى منتخب"
    ),
    "MISC": (
        "جائزة بطولة كأس دوري مهرجان مؤتمر معرض عملية اتفاقية اتفاق معاهدة حرب قمة مباراة فيلم "
        "كتاب رواية مسرحية برنامج لغة دين ديانة"
    ),
}
_TRIGGERS: dict[str, frozenset[str]] = {
    etype: frozenset(normalize_token(w) for w in words.split()) for etype, words in _TRIGGER_WORDS.items()
}

# Sentence topic words: a city name in a sports or business sentence is often a club or a company.
_TOPIC_WORDS: dict[str, str] = {
    "sp": (
        "فريق الفريق نادي النادي مباراة المباراة مباريات الدوري دوري المنتخب منتخب هدف أهداف هدفا لاعب "
        "اللاعب لاعبي لاعبين مدرب المدرب بطولة البطولة كأس الكأس ملعب الملعب الموسم فوز فاز تعادل "
        "خسر هزيمة الجولة جولة مهاجم الحارس المرمى ركلة البطل بطل لقب اللقب الأندية أندية الرياضي "
        "الرياضية الرياضة كرة القدم ذهاب إياب نهائي النهائي"
    ),
    "bz": (
        "شركة الشركة شركات الشركات أسهم الأسهم سهم البورصة بورصة مليون مليار أرباح الأرباح بنك البنك "
        "مصرف المصرف استثمار الاستثمار الاستثمارات مبيعات المبيعات سيارات السيارات السوق سوق الأسواق "
        "صفقة الصفقة اقتصادي الاقتصادي الاقتصاد أسعار الأسعار إنتاج الإنتاج رأسمال رأس دولار درهم "
        "يورو التجاري التجارية المالية مجموعة"
    ),
}
_TOPICS: dict[str, frozenset[str]] = {
    topic: frozenset(
        form for w in words.split() for form in (normalize_token(w), strip_clitics(normalize_token(w))[1])
    )
    for topic, words in _TOPIC_WORDS.items()
}

_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_LATIN = re.compile("[A-Za-z]")
_DIGIT = re.compile(r"\d")


def _shape(token: str) -> str:
    """Return a coarse character-class shape for a token."""
    if not token:
        return "empty"
    if _ARABIC_LETTER.search(token):
        if _DIGIT.search(token) or _LATIN.search(token):
            return "ar-mix"
        return (
            "ar"
            if all(
                _ARABIC_LETTER.match(c) or c in "ـ\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652"
                for c in token
            )
            else "ar-punct"
        )
    if _LATIN.search(token):
        if token.isupper():
            return "LAT-UP"
        if token[0].isupper():
            return "Lat-cap"
        return "lat"
    if token.isdigit():
        return "digits"
    if _DIGIT.search(token):
        return "num-mix"
    return "punct"


# --- resources -------------------------------------------------------------------------------------


@dataclass
class FeatureResources:
    """Lexical resources used by the feature extractor: gazetteer phrases and word clusters."""

    gazetteer: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)
    gaz_first: dict[str, int] = field(default_factory=dict)
    clusters: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    vclusters: dict[str, str] = field(default_factory=dict)
    e5clusters: dict[str, str] = field(default_factory=dict)
    emb_index: dict[str, int] = field(default_factory=dict)
    emb_vectors: npt.NDArray[np.float32] | None = None
    emb_cache: dict[str, tuple[float, ...] | None] = field(default_factory=dict, repr=False)
    token_cache: dict[str, _TokenFeatures] = field(default_factory=dict, repr=False)


def parse_embeddings(data: bytes) -> tuple[dict[str, int], npt.NDArray[np.float32]]:
    """Read an ``embeddings.npz`` table (``words``: newline-joined UTF-8; ``vectors``: one row each,
    int8 times ``step`` or float)."""
    with np.load(io.BytesIO(data)) as npz:
        words = npz["words"].tobytes().decode("utf-8").split("\n")
        vectors = npz["vectors"].astype(np.float32)
        if "step" in npz:  # int8-quantized table
            vectors *= npz["step"][0]
    return {w: i for i, w in enumerate(words)}, vectors


def _open_data(name: str) -> bytes:
    """Read a package data file's bytes."""
    return resources.files(_PACKAGE).joinpath("data", name).read_bytes()


def parse_gazetteer(lines: Iterable[str]) -> tuple[dict[tuple[str, ...], frozenset[str]], dict[str, int]]:
    """Parse ``TYPE<TAB>normalized phrase`` lines into a phrase->types map and first-token index."""
    gaz: dict[tuple[str, ...], set[str]] = {}
    first: dict[str, int] = {}
    for line in lines:
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 2:
            continue
        etype, phrase = parts
        key = tuple(phrase.split())
        if not key:
            continue
        gaz.setdefault(key, set()).add(etype)
        first[key[0]] = max(first.get(key[0], 0), len(key))
    return {k: frozenset(v) for k, v in gaz.items()}, first


def parse_clusters(lines: Iterable[str]) -> dict[str, str]:
    """Parse ``word<TAB>cluster-path`` lines."""
    out: dict[str, str] = {}
    for line in lines:
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 2:
            out[parts[0]] = parts[1]
    return out


def _data_lines(name: str) -> list[str]:
    """Lines of a gzip text data file, or none when the file is absent."""
    ref = resources.files(_PACKAGE).joinpath("data", name)
    if not ref.is_file():
        return []
    return gzip.decompress(ref.read_bytes()).decode("utf-8").splitlines()


def memory_lines(sentences: Iterable[tuple[Sequence[str], Sequence[str]]]) -> list[str]:
    """Gazetteer lines (``mTYPE<TAB>phrase``) for the entity spans of labelled training sentences."""
    seen: set[str] = set()
    for tokens, labels in sentences:
        for etype, start, end in bio_spans(labels):
            seen.add(f"m{etype}\t{' '.join(normalize_token(t) for t in tokens[start:end])}")
    return sorted(seen)


def make_resources(
    gazetteer_lines: Sequence[str],
    cluster_lines: Sequence[str],
    hint_lines: Sequence[str] = (),
    embeddings: bytes | None = None,
    vcluster_lines: Sequence[str] = (),
    e5cluster_lines: Sequence[str] = (),
) -> FeatureResources:
    """Build feature resources from gazetteer, cluster and hint lines and an optional embedding table."""
    gaz, first = parse_gazetteer(gazetteer_lines)
    res = FeatureResources(
        gazetteer=gaz,
        gaz_first=first,
        clusters=parse_clusters(cluster_lines),
        hints=parse_clusters(hint_lines),
        vclusters=parse_clusters(vcluster_lines),
        e5clusters=parse_clusters(e5cluster_lines),
    )
    if embeddings:
        res.emb_index, res.emb_vectors = parse_embeddings(embeddings)
    return res


def _data_bytes(name: str) -> bytes | None:
    """Bytes of a package data file, or None when the file is absent."""
    ref = resources.files(_PACKAGE).joinpath("data", name)
    return ref.read_bytes() if ref.is_file() else None


@lru_cache(maxsize=1)
def load_resources() -> FeatureResources:
    """Load (once) the gazetteer, memory, cluster, hint and embedding files shipped as package data."""
    return make_resources(
        _data_lines(GAZETTEER_FILE) + _data_lines(MEMORY_FILE),
        _data_lines(CLUSTERS_FILE),
        _data_lines(HINTS_FILE),
        _data_bytes(EMBEDDINGS_FILE),
        _data_lines(VCLUSTERS_FILE),
        _data_lines(E5CLUSTERS_FILE),
    )


# --- features --------------------------------------------------------------------------------------

_stemmer_lock = threading.Lock()
_stemmer = snowballstemmer.stemmer("arabic")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """Snowball Arabic stem of a word (cached, thread-safe)."""
    with _stemmer_lock:
        return str(_stemmer.stemWord(word))


def _gazetteer_tags(norms: Sequence[str], stripped: Sequence[str], res: FeatureResources) -> list[set[str]]:
    """Mark each token with ``B-TYPE``/``I-TYPE`` for the longest gazetteer matches covering it."""
    n = len(norms)
    tags: list[set[str]] = [set() for _ in range(n)]
    if not res.gazetteer:
        return tags
    for i in range(n):
        candidates = [(norms[i], False)]
        if stripped[i] != norms[i]:
            candidates.append((stripped[i], True))
            prefix = norms[i][: len(norms[i]) - len(stripped[i])]
            if prefix in _DEF_PREFIXES and prefix != "ال":
                candidates.append(("ال" + stripped[i], True))
        for first_form, is_stripped in candidates:
            max_len = res.gaz_first.get(first_form, 0)
            if not max_len:
                continue
            for length in range(min(max_len, n - i), 0, -1):
                key = (first_form, *norms[i + 1 : i + length])
                types = res.gazetteer.get(key)
                if types:
                    for t in types:
                        suffix = "s" if is_stripped else ""
                        tags[i].add(f"B-{t}{suffix}")
                        for j in range(i + 1, i + length):
                            tags[j].add(f"I-{t}")
                        if length > 1:
                            tags[i].add(f"M-{t}")
                    break
    return tags


def _token_feats(token: str, res: FeatureResources) -> dict[str, str]:
    """Features of a single token that do not depend on context."""
    norm = normalize_token(token)
    prefix, rest = strip_clitics(norm)
    feats: dict[str, str] = {
        "w": norm,
        "r": rest,
        "pfx": prefix,
        "st": _stem(rest) if _ARABIC_LETTER.search(rest) else rest,
        "sh": _shape(token),
    }
    if token != norm:
        feats["raw"] = token
    for k in (1, 2, 3, 4):
        if len(rest) > k:
            feats[f"p{k}"] = rest[:k]
            feats[f"s{k}"] = rest[-k:]
    for suf in _SUFFIXES:
        if rest.endswith(suf) and len(rest) - len(suf) >= 3:
            feats["enc"] = suf
            break
    feats["len"] = str(min(len(rest), 10))
    cluster = res.clusters.get(norm) or res.clusters.get(rest)
    if cluster is None and prefix in _DEF_PREFIXES:
        cluster = res.clusters.get("ال" + rest)
    if cluster is not None:
        feats["c4"] = cluster[:4]
        feats["c8"] = cluster[:8]
        feats["c12"] = cluster[:12]
        feats["c"] = cluster
    else:
        feats["c"] = "OOV"
    if res.vclusters:
        vc = res.vclusters.get(norm) or res.vclusters.get(rest)
        if vc is None and prefix in _DEF_PREFIXES:
            vc = res.vclusters.get("ال" + rest)
        if vc is not None:
            for key, cid in zip(VC_KEYS, vc.split(), strict=False):
                feats[key] = cid
    if res.e5clusters:
        # The e5 table also holds clitic-stripped training words, so the ال+ form is tried after any
        # proclitic (as when the table was evaluated), not only after the article-bearing ones.
        ec = res.e5clusters.get(norm) or res.e5clusters.get(rest) or res.e5clusters.get("ال" + rest)
        if ec is not None:
            for key, cid in zip(E5_KEYS, ec.split(), strict=False):
                feats[key] = cid
    for etype, words in _TRIGGERS.items():
        if rest in words or norm in words:
            feats[f"trg{etype}"] = "1"
    hint = res.hints.get(rest)
    if hint is not None:
        for item in hint.split(","):
            etype, _, level = item.partition(":")
            feats[f"h{etype}"] = level
    return feats


_CONTEXT_KEYS: dict[int, tuple[str, ...]] = {
    1: (
        "w",
        "r",
        "pfx",
        "st",
        "sh",
        "c",
        "c8",
        "c4",
        "v64",
        "v256",
        "v1k",
        "e64",
        "e256",
        "e1k",
        "s2",
        "p2",
        "trgPERS",
        "trgLOC",
        "trgORG",
        "trgMISC",
        "hPERS",
        "hLOC",
        "hORG",
        "hMISC",
    ),
    2: ("w", "r", "st", "c", "c4", "trgPERS", "trgLOC", "trgORG"),
}


VC_KEYS: tuple[str, ...] = ("v64", "v256", "v1k")  # k-means granularities of ``data/vclusters.tsv.gz``
E5_KEYS: tuple[str, ...] = ("e64", "e256", "e1k")  # the same granularities of ``data/e5clusters.tsv.gz``
TOPIC_WINDOW = 1  # sentences on each side whose topic words count for a sentence (document tagging)
TOPIC_CONJ: tuple[str, ...] = ("v256",)  # crossed with the sentence topic (besides gazetteer tags)
O_THRESHOLD = 0.0  # tuned on the validation part by scripts/train_ner.py (0 = plain Viterbi)
STAGE2_OWN = True  # the second stage also sees the token's own first-pass label
DOC_WINDOW = 8  # sentences on each side whose mentions of a word add document-level evidence
STAGE2_WINDOW = 12  # the same, for the second stage's label-consistency evidence at tagging time
STAGE2_PROBS = False  # the second stage also sees the first pass's binned per-type marginals (hurt: off)
PROB_BINS: tuple[tuple[float, str], ...] = ((0.9, "vhi"), (0.6, "hi"), (0.3, "mid"), (0.1, "lo"))


class _TokenFeatures(dict[str, str]):
    """A token's context-free features, with their crfsuite strings as the token itself (``own``) and as
    a neighbour at each offset (``ctx``); built once per distinct token and cached in the resources."""

    __slots__ = ("ctx", "own")
    own: tuple[str, ...]
    ctx: dict[int, tuple[str, ...]]


_TOKEN_CACHE_MAX = 100_000


def _cached_token_feats(token: str, res: FeatureResources) -> _TokenFeatures:
    """``_token_feats`` with its feature strings, memoized per resources object."""
    cache = res.token_cache
    hit = cache.get(token)
    if hit is None:
        hit = _TokenFeatures(_token_feats(token, res))
        hit.own = tuple(f"{k}={v}" for k, v in hit.items())
        hit.ctx = {
            off: tuple(f"{off}:{k}={hit[k]}" for k in _CONTEXT_KEYS[abs(off)] if k in hit)
            for off in (-2, -1, 1, 2)
        }
        if len(cache) >= _TOKEN_CACHE_MAX:
            cache.clear()
        cache[token] = hit
    return hit


def _analyse(tokens: Sequence[str], res: FeatureResources) -> tuple[list[_TokenFeatures], list[set[str]]]:
    """Per-token single features and gazetteer tags of one sentence."""
    singles = [_cached_token_feats(t, res) for t in tokens]
    gaz = _gazetteer_tags([f["w"] for f in singles], [f["r"] for f in singles], res)
    return singles, gaz


def _evidence(singles: Sequence[dict[str, str]], gaz: Sequence[set[str]]) -> dict[str, set[str]]:
    """Map each content word (clitic-stripped) of a sentence to what its mentions there suggest."""
    out: dict[str, set[str]] = {}
    for i, feats in enumerate(singles):
        rest = feats["r"]
        if len(rest) < 3 or not _ARABIC_LETTER.search(rest):
            continue
        ev = out.setdefault(rest, set())
        ev.update(f"g{g.rstrip('s')}" for g in gaz[i])
        if i > 0:
            ev.update(f"pt{k[3:]}" for k in singles[i - 1] if k.startswith("trg"))
    return out


def _sentence_topics(singles: Sequence[dict[str, str]]) -> set[str]:
    """Topics (``sp`` sports, ``bz`` business) whose trigger words occur in a sentence."""
    return {
        topic for topic, words in _TOPICS.items() if any(f["r"] in words or f["w"] in words for f in singles)
    }


def _features(
    singles: Sequence[_TokenFeatures],
    gaz: Sequence[set[str]],
    doc: dict[str, set[str]] | None,
    topics: Iterable[str] = (),
) -> list[list[str]]:
    """Assemble crfsuite feature strings for a sentence, with optional document evidence and topics."""
    tps = sorted(topics)
    norms = [f["w"] for f in singles]
    n = len(singles)
    out: list[list[str]] = []
    for i in range(n):
        feats = ["bias", *singles[i].own]
        feats.extend(f"g={g}" for g in sorted(gaz[i]))
        if i == 0:
            feats.append("BOS")
        if i == n - 1:
            feats.append("EOS")
        for off in (-2, -1, 1, 2):
            j = i + off
            if 0 <= j < n:
                feats.extend(singles[j].ctx[off])
                feats.extend(f"{off}:g={g}" for g in sorted(gaz[j]))
            else:
                feats.append(f"{off}:PAD")
        if i > 0:
            feats.append(f"-1|0:w={norms[i - 1]}|{norms[i]}")
            feats.append(f"-1|0:c={singles[i - 1]['c']}|{singles[i]['c']}")
        if i < n - 1:
            feats.append(f"0|1:w={norms[i]}|{norms[i + 1]}")
            feats.append(f"0|1:c={singles[i]['c']}|{singles[i + 1]['c']}")
        if doc is not None:
            ev = doc.get(singles[i]["r"])
            if ev is None:
                feats.append("doc=none")
            else:
                feats.append("doc=seen")
                feats.extend(f"doc={e}" for e in sorted(ev))
        for tp in tps:  # the sentence topic, alone and with the gazetteer tags and cluster of the token
            feats.append(f"tp={tp}")
            feats.extend(f"tp{tp}|g={g}" for g in sorted(gaz[i]))
            feats.extend(f"tp{tp}|{key}={singles[i][key]}" for key in TOPIC_CONJ if key in singles[i])
        out.append(feats)
    return out


def sentence_features(tokens: Sequence[str], res: FeatureResources | None = None) -> list[list[str]]:
    """Return crfsuite feature strings for every token of one sentence (no document context)."""
    if res is None:
        res = load_resources()
    singles, gaz = _analyse(tokens, res)
    return _features(singles, gaz, None, _sentence_topics(singles))


def document_features(
    sentences: Sequence[Sequence[str]], res: FeatureResources | None = None, window: int = DOC_WINDOW
) -> list[list[list[str]]]:
    """Features for consecutive sentences of one text, adding evidence from mentions in nearby sentences."""
    if res is None:
        res = load_resources()
    parts = [_analyse(toks, res) for toks in sentences]
    evidence = [_evidence(singles, gaz) for singles, gaz in parts]
    topics = [_sentence_topics(singles) for singles, _ in parts]
    out: list[list[list[str]]] = []
    for k, (singles, gaz) in enumerate(parts):
        doc: dict[str, set[str]] = {}
        for j in range(max(0, k - window), min(len(parts), k + window + 1)):
            if j == k:
                continue
            for word, ev in evidence[j].items():
                doc.setdefault(word, set()).update(ev)
        near = set().union(*topics[max(0, k - TOPIC_WINDOW) : k + TOPIC_WINDOW + 1])
        out.append(_features(singles, gaz, doc, near))
    return out


def _feature_value(feats: Sequence[str], key: str) -> str:
    """Value of the token's own feature ``key`` (``key=value``) in a crfsuite feature list."""
    prefix = key + "="
    for f in feats:
        if f.startswith(prefix):
            return f[len(prefix) :]
    return ""


def type_probs(crf: pycrfsuite.Tagger, n: int, labels: Iterable[str]) -> list[dict[str, float]]:
    """Per-token marginal probability of each entity type (B- plus I-) and of ``O`` after ``crf.tag``."""
    labs = list(labels)
    out: list[dict[str, float]] = []
    for t in range(n):
        probs: dict[str, float] = {}
        for lab in labs:
            key = lab[2:] if lab != "O" else "O"
            probs[key] = probs.get(key, 0.0) + float(crf.marginal(lab, t))
        out.append(probs)
    return out


def _prob_bin(p: float) -> str:
    """Coarse bin of a first-pass marginal probability (``""``: too small to mention)."""
    for edge, name in PROB_BINS:
        if p >= edge:
            return name
    return ""


def stage2_features(
    doc_feats: Sequence[Sequence[Sequence[str]]],
    stage1: Sequence[Sequence[str]],
    window: int = DOC_WINDOW,
    own: bool = True,
    probs: Sequence[Sequence[dict[str, float]]] | None = None,
) -> list[list[list[str]]]:
    """Add label-consistency features from a first-pass tagging of the same text (two-stage CRF).

    For each token: the first-pass types of the *other* mentions of its clitic-stripped word within
    ``window`` sentences (``d2w=TYPE``, majority ``d2m=TYPE``), the longest first-pass entity phrase
    found elsewhere in the window that starts here (``d2p=B-TYPE``/``I-TYPE``) and, with ``own``, the
    token's own first-pass label (``s1=LABEL``) and, given ``probs`` (``type_probs`` per sentence), the
    binned first-pass marginal of each type (``s1p=TYPE:bin``).
    """
    words: list[list[str]] = []
    norms: list[list[str]] = []
    for sent in doc_feats:
        norms.append([_feature_value(tf, "w") for tf in sent])
        words.append([_feature_value(tf, "r") for tf in sent])
    # per sentence: word -> Counter-like dict of first-pass types; phrase -> types with their positions
    word_ev: list[dict[str, dict[str, int]]] = []
    phrase_ev: list[dict[tuple[str, ...], list[tuple[str, int]]]] = []
    for k, labels in enumerate(stage1):
        wd: dict[str, dict[str, int]] = {}
        for t, lab in enumerate(labels):
            w = words[k][t]
            if len(w) < 2 or (not _ARABIC_LETTER.search(w) and not _LATIN.search(w)):
                continue
            etype = lab[2:] if lab != "O" else "O"
            slot = wd.setdefault(w, {})
            slot[etype] = slot.get(etype, 0) + 1
        word_ev.append(wd)
        pd: dict[tuple[str, ...], list[tuple[str, int]]] = {}
        for etype, start, end in bio_spans(labels):
            pd.setdefault(tuple(norms[k][start:end]), []).append((etype, start))
        phrase_ev.append(pd)
    # sliding-window sums of the per-sentence evidence
    wagg: dict[str, dict[str, int]] = {}
    pagg: dict[tuple[str, ...], dict[str, int]] = {}
    first_len: dict[str, int] = {}
    for pd in phrase_ev:
        for phrase in pd:
            first_len[phrase[0]] = max(first_len.get(phrase[0], 0), len(phrase))

    def add(j: int, sign: int) -> None:
        for w, counts in word_ev[j].items():
            slot = wagg.setdefault(w, {})
            for etype, c in counts.items():
                slot[etype] = slot.get(etype, 0) + sign * c
        for phrase, occ in phrase_ev[j].items():
            pslot = pagg.setdefault(phrase, {})
            for etype, _start in occ:
                pslot[etype] = pslot.get(etype, 0) + sign

    n_sent = len(doc_feats)
    for j in range(min(window, n_sent - 1) + 1):
        add(j, 1)
    out: list[list[list[str]]] = []
    for k, sent in enumerate(doc_feats):
        if k > 0:
            if k + window < n_sent:
                add(k + window, 1)
            if k - window - 1 >= 0:
                add(k - window - 1, -1)
        own_phrases = phrase_ev[k]
        labels = stage1[k]
        n = len(sent)
        ptags: list[set[str]] = [set() for _ in range(n)]
        for i in range(n):
            max_len = first_len.get(norms[k][i], 0)
            for length in range(min(max_len, n - i), 0, -1):
                phrase = tuple(norms[k][i : i + length])
                types = dict(pagg.get(phrase, {}))
                for etype, _start in own_phrases.get(phrase, ()):  # only mentions elsewhere count
                    types[etype] -= 1
                types = {e: c for e, c in types.items() if c > 0}
                if types:
                    etype = max(types, key=lambda e: (types[e], e))
                    ptags[i].add(f"B-{etype}")
                    for j2 in range(i + 1, i + length):
                        ptags[j2].add(f"I-{etype}")
                    break
        rows: list[list[str]] = []
        for t, tf in enumerate(sent):
            feats = list(tf)
            if own:
                feats.append(f"s1={labels[t]}")
            if probs is not None:
                for etype, p in sorted(probs[k][t].items()):
                    b = _prob_bin(p)
                    if b:
                        feats.append(f"s1p={etype}:{b}")
            counts = dict(wagg.get(words[k][t], {}))
            mine = labels[t][2:] if labels[t] != "O" else "O"
            if mine in counts:
                counts[mine] -= 1
            counts = {e: c for e, c in counts.items() if c > 0}
            if counts:
                feats.extend(f"d2w={e}" for e in sorted(counts))
                feats.append(f"d2m={max(counts, key=lambda e: (counts[e], e))}")
            feats.extend(f"d2p={p}" for p in sorted(ptags[t]))
            rows.append(feats)
        out.append(rows)
    return out


EMB_OFFSETS: tuple[int, ...] = (-1, 0, 1)  # whose word vectors each token sees as real-valued features
_EMB_CACHE_MAX = 200_000
CrfItems = Sequence[Sequence[str]] | list[dict[str, float]]


def _word_vector(row: Sequence[str], res: FeatureResources) -> tuple[float, ...] | None:
    """The embedding of a featurized token (normalized form, else clitic-stripped, else ال+stripped)."""
    norm = row[1][2:] if len(row) > 1 and row[1].startswith("w=") else _feature_value(row, "w")
    cache = res.emb_cache
    if norm in cache:
        return cache[norm]
    idx = res.emb_index.get(norm)
    if idx is None:
        prefix, rest = strip_clitics(norm)
        idx = res.emb_index.get(rest)
        if idx is None and prefix in _DEF_PREFIXES:
            idx = res.emb_index.get("ال" + rest)
    vec: tuple[float, ...] | None = None
    if idx is not None and res.emb_vectors is not None:
        vec = tuple(res.emb_vectors[idx].tolist())
    if len(cache) >= _EMB_CACHE_MAX:
        cache.clear()
    cache[norm] = vec
    return vec


@lru_cache(maxsize=64)
def _emb_names(offset: int, dims: int) -> tuple[str, ...]:
    """Attribute names of the embedding dimensions of the token at ``offset``."""
    tag = "" if offset == 0 else f"{offset}:"
    return tuple(f"{tag}e{k}" for k in range(dims))


def crf_items(rows: Sequence[Sequence[str]], res: FeatureResources) -> CrfItems:
    """CRFsuite items of one sentence: the string features, plus (when ``res`` has word vectors) the
    real-valued embedding dimensions of the token and its neighbours (``EMB_OFFSETS``)."""
    if res.emb_vectors is None or not rows:
        return rows
    dims = res.emb_vectors.shape[1]
    vecs = [_word_vector(row, res) for row in rows]
    n = len(rows)
    out: list[dict[str, float]] = []
    for i, row in enumerate(rows):
        item = dict.fromkeys(row, 1.0)
        for off in EMB_OFFSETS:
            j = i + off
            if 0 <= j < n:
                vec = vecs[j]
                if vec is not None:
                    item.update(zip(_emb_names(off, dims), vec, strict=True))
        out.append(item)
    return out


# --- tagging ---------------------------------------------------------------------------------------


class Tagger:
    """A loaded CRF model (optionally two-stage) plus its feature resources."""

    def __init__(
        self, model: bytes | Path | str, res: FeatureResources, stage2: bytes | Path | str | None = None
    ) -> None:
        """Open a crfsuite model (and an optional second-stage model) given as bytes or file paths."""
        self._keep: list[bytes] = []  # crfsuite reads in-memory models in place: keep the bytes alive
        self._tagger = self._open(model)
        self._stage2 = self._open(stage2) if stage2 is not None else None
        self._lock = threading.Lock()
        self.resources = res
        final = self._stage2 or self._tagger
        self._first_labels = tuple(self._tagger.labels())
        self._labels = frozenset(final.labels())
        self._types = sorted({lab[2:] for lab in self._labels if lab != "O"})
        self.o_threshold = O_THRESHOLD

    def _open(self, model: bytes | Path | str) -> pycrfsuite.Tagger:
        tagger = pycrfsuite.Tagger()
        if isinstance(model, bytes):
            self._keep.append(model)
            tagger.open_inmemory(model)
        else:
            tagger.open(str(model))
        return tagger

    @property
    def two_stage(self) -> bool:
        """Whether a second-stage (label-consistency) model is loaded."""
        return self._stage2 is not None

    def _decode(self, items: CrfItems, tagger: pycrfsuite.Tagger | None = None) -> list[str]:
        """Viterbi labels, then recall-oriented repair: an ``O`` whose marginal is below the threshold
        takes the most probable entity type (CRFs trained on ANERcorp are precise but miss entities)."""
        if not items:
            return []
        crf = self._tagger if tagger is None else tagger
        final = crf is (self._stage2 or self._tagger)
        with self._lock:
            labels: list[str] = list(crf.tag(items))
            if final and self.o_threshold > 0:
                for t, lab in enumerate(labels):
                    if lab != "O" or crf.marginal("O", t) >= self.o_threshold:
                        continue
                    best, best_p = "", 0.0
                    for etype in self._types:
                        p_b = self._marginal(crf, f"B-{etype}", t)
                        p_i = self._marginal(crf, f"I-{etype}", t)
                        if p_b + p_i > best_p:
                            prev = labels[t - 1] if t else "O"
                            cont = prev != "O" and prev[2:] == etype and p_i >= p_b
                            best, best_p = f"{'I' if cont else 'B'}-{etype}", p_b + p_i
                    if best:
                        labels[t] = best
        return _repair_bio(labels)

    def _marginal(self, crf: pycrfsuite.Tagger, label: str, t: int) -> float:
        """Marginal probability of ``label`` at position ``t`` (0 for labels the model lacks)."""
        return float(crf.marginal(label, t)) if label in self._labels else 0.0

    def _tag_features(self, feats: list[list[list[str]]], window: int = STAGE2_WINDOW) -> list[list[str]]:
        """Tag featurized sentences: the first pass, then (if loaded) the label-consistency pass."""
        items = [crf_items(f, self.resources) for f in feats]
        if self._stage2 is None:
            return [self._decode(it) for it in items]
        first: list[list[str]] = []
        probs: list[list[dict[str, float]]] | None = [] if STAGE2_PROBS else None
        with self._lock:  # raw first-pass Viterbi labels, as the second stage was trained on
            for f, it in zip(feats, items, strict=True):
                first.append(list(self._tagger.tag(it)) if f else [])
                if probs is not None:
                    probs.append(type_probs(self._tagger, len(f), self._first_labels) if f else [])
        second = stage2_features(feats, first, window=window, own=STAGE2_OWN, probs=probs)
        return [
            self._decode(_extend_items(it, f, f2), self._stage2)
            for it, f, f2 in zip(items, feats, second, strict=True)
        ]

    def tag(self, tokens: Sequence[str]) -> list[str]:
        """Return one BIO label per token."""
        if not tokens:
            return []
        return self._tag_features([sentence_features(tokens, self.resources)])[0]

    def tag_document(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """Tag consecutive sentences of one text, using evidence from nearby sentences."""
        return self._tag_features(document_features(sentences, self.resources))


def _extend_items(items: CrfItems, rows: Sequence[Sequence[str]], rows2: Sequence[Sequence[str]]) -> CrfItems:
    """Second-stage items from first-stage ``items`` of ``rows``, where each row of ``rows2`` is the same
    row plus extra string features (as ``crf_items(rows2)`` would give, without redoing the vectors)."""
    if not items or not isinstance(items[0], dict):
        return rows2
    out: list[dict[str, float]] = []
    for item, row, row2 in zip(items, rows, rows2, strict=True):
        assert isinstance(item, dict)
        ext = dict(item)
        ext.update(dict.fromkeys(row2[len(row) :], 1.0))
        out.append(ext)
    return out


def _repair_bio(labels: list[str]) -> list[str]:
    """Turn an ``I-X`` that does not continue an ``X`` span into ``B-X``."""
    out: list[str] = []
    prev = "O"
    for lab in labels:
        if lab.startswith("I-") and prev[2:] != lab[2:]:
            lab = "B-" + lab[2:]
        out.append(lab)
        prev = lab
    return out


@lru_cache(maxsize=1)
def load_tagger() -> Tagger:
    """Load (once) the tagger from the package data."""
    ref = resources.files(_PACKAGE).joinpath("data", STAGE2_FILE)
    stage2 = ref.read_bytes() if ref.is_file() else None
    return Tagger(_open_data(MODEL_FILE), load_resources(), stage2)


def tag_tokens(tokens: list[str]) -> list[str]:
    """Tag one tokenized sentence with BIO labels (PERS/LOC/ORG/MISC)."""
    return load_tagger().tag(tokens)


def tag_sentences(sentences: list[list[str]]) -> list[list[str]]:
    """Tag consecutive tokenized sentences of one text (mentions in nearby sentences inform each other)."""
    return load_tagger().tag_document(sentences)


# --- evaluation (seqeval-style, exact span + type, micro-averaged) --------------------------------


def bio_spans(labels: Sequence[str]) -> set[tuple[str, int, int]]:
    """Return ``(type, start, end_exclusive)`` spans from BIO labels, conlleval/seqeval style."""
    spans: set[tuple[str, int, int]] = set()
    start = -1
    cur = ""
    for i, lab in enumerate([*labels, "O"]):
        tag, _, etype = lab.partition("-")
        ends = cur and (tag in ("B", "O") or etype != cur)
        if ends:
            spans.add((cur, start, i))
            cur = ""
        if tag == "B" or (tag == "I" and not cur):
            cur, start = etype, i
    return spans


def score_spans(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, dict[str, float]]:
    """Per-type and micro precision/recall/F1/support over sentences of BIO labels."""
    tp: dict[str, int] = {}
    n_gold: dict[str, int] = {}
    n_pred: dict[str, int] = {}
    for g_sent, p_sent in zip(gold, pred, strict=True):
        g, p = bio_spans(g_sent), bio_spans(p_sent)
        for etype, *_ in g:
            n_gold[etype] = n_gold.get(etype, 0) + 1
        for etype, *_ in p:
            n_pred[etype] = n_pred.get(etype, 0) + 1
        for etype, *_ in g & p:
            tp[etype] = tp.get(etype, 0) + 1

    def prf(t: int, ng: int, np_: int) -> dict[str, float]:
        prec = t / np_ if np_ else 0.0
        rec = t / ng if ng else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        return {"precision": prec, "recall": rec, "f1": f1, "support": float(ng)}

    types = sorted(set(n_gold) | set(n_pred))
    out = {t: prf(tp.get(t, 0), n_gold.get(t, 0), n_pred.get(t, 0)) for t in types}
    out["micro"] = prf(sum(tp.values()), sum(n_gold.values()), sum(n_pred.values()))
    return out


def read_conll(path: Path | str) -> list[tuple[list[str], list[str]]]:
    """Read ``token TAG`` lines into sentences, splitting at blank lines and after ``.`` tokens."""
    sents: list[tuple[list[str], list[str]]] = []
    toks: list[str] = []
    tags: list[str] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 2:
                # blank line or a line with an empty token: a blank line closes the sentence
                if not parts and toks:
                    sents.append((toks, tags))
                    toks, tags = [], []
                continue
            tag = parts[-1]
            for tok in parts[:-1]:
                # one corrupt line reads ". Oالإصابة O": split glued tag letters off the token
                if len(parts) > 2 and tok[:1] in "OBI" and len(tok) > 1 and not tok[1:2].isascii():
                    tok = tok[1:]
                toks.append(tok)
                tags.append(tag)
                if tok == ".":
                    sents.append((toks, tags))
                    toks, tags = [], []
    if toks:
        sents.append((toks, tags))
    return sents
