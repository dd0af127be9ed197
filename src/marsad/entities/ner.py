"""Offline Arabic named-entity tagger: a two-stage linear-chain CRF over rich token features.

The first-stage model (``data/ner.crfsuite``), the second-stage label-consistency model
(``data/ner2.crfsuite``; optional: without it the first stage alone tags) and the training-entity memory
(``data/memory.tsv.gz``) come from ``scripts/train_ner.py`` on ANERcorp. Features also use a
gazetteer (``data/gazetteer.tsv.gz``, ``scripts/build_gazetteer.py``), distributional word clusters
(``data/clusters.tsv.gz``, ``scripts/build_clusters.py``) and trigger-context type hints
(``data/hints.tsv.gz``, ``scripts/build_hints.py``). Nothing is downloaded at run time; labels are BIO with the types PERS,
LOC, ORG and MISC. See ``docs/models/ner.md``.
"""

from __future__ import annotations

import gzip
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

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
]

ENTITY_TYPES: tuple[str, ...] = ("PERS", "LOC", "ORG", "MISC")

_PACKAGE = "marsad.entities"  # data files live in its data/ folder (package data, not a package)
MODEL_FILE = "ner.crfsuite"
STAGE2_FILE = "ner2.crfsuite"  # optional second-stage model (label consistency across the document)
GAZETTEER_FILE = "gazetteer.tsv.gz"
CLUSTERS_FILE = "clusters.tsv.gz"
HINTS_FILE = "hints.tsv.gz"  # type hints from trigger contexts in unlabeled news
MEMORY_FILE = "memory.tsv.gz"  # entity phrases seen in the training part of ANERcorp

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
    gazetteer_lines: Sequence[str], cluster_lines: Sequence[str], hint_lines: Sequence[str] = ()
) -> FeatureResources:
    """Build feature resources from gazetteer, cluster and hint lines."""
    gaz, first = parse_gazetteer(gazetteer_lines)
    return FeatureResources(
        gazetteer=gaz,
        gaz_first=first,
        clusters=parse_clusters(cluster_lines),
        hints=parse_clusters(hint_lines),
    )


@lru_cache(maxsize=1)
def load_resources() -> FeatureResources:
    """Load (once) the gazetteer, training-entity memory and cluster files shipped as package data."""
    return make_resources(
        _data_lines(GAZETTEER_FILE) + _data_lines(MEMORY_FILE),
        _data_lines(CLUSTERS_FILE),
        _data_lines(HINTS_FILE),
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


O_THRESHOLD = 0.0  # tuned on the validation part by scripts/train_ner.py (0 = plain Viterbi)
STAGE2_OWN = True  # the second stage also sees the token's own first-pass label
DOC_WINDOW = 8  # sentences on each side whose mentions of a word add document-level evidence


def _analyse(tokens: Sequence[str], res: FeatureResources) -> tuple[list[dict[str, str]], list[set[str]]]:
    """Per-token single features and gazetteer tags of one sentence."""
    singles = [_token_feats(t, res) for t in tokens]
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


def _features(
    singles: Sequence[dict[str, str]], gaz: Sequence[set[str]], doc: dict[str, set[str]] | None
) -> list[list[str]]:
    """Assemble crfsuite feature strings for a sentence, with optional document evidence."""
    norms = [f["w"] for f in singles]
    n = len(singles)
    out: list[list[str]] = []
    for i in range(n):
        feats = ["bias"]
        feats.extend(f"{k}={v}" for k, v in singles[i].items())
        feats.extend(f"g={g}" for g in sorted(gaz[i]))
        if i == 0:
            feats.append("BOS")
        if i == n - 1:
            feats.append("EOS")
        for off in (-2, -1, 1, 2):
            j = i + off
            if 0 <= j < n:
                keys = _CONTEXT_KEYS[abs(off)]
                other = singles[j]
                feats.extend(f"{off}:{k}={other[k]}" for k in keys if k in other)
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
        out.append(feats)
    return out


def sentence_features(tokens: Sequence[str], res: FeatureResources | None = None) -> list[list[str]]:
    """Return crfsuite feature strings for every token of one sentence (no document context)."""
    if res is None:
        res = load_resources()
    singles, gaz = _analyse(tokens, res)
    return _features(singles, gaz, None)


def document_features(
    sentences: Sequence[Sequence[str]], res: FeatureResources | None = None, window: int = DOC_WINDOW
) -> list[list[list[str]]]:
    """Features for consecutive sentences of one text, adding evidence from mentions in nearby sentences."""
    if res is None:
        res = load_resources()
    parts = [_analyse(toks, res) for toks in sentences]
    evidence = [_evidence(singles, gaz) for singles, gaz in parts]
    out: list[list[list[str]]] = []
    for k, (singles, gaz) in enumerate(parts):
        doc: dict[str, set[str]] = {}
        for j in range(max(0, k - window), min(len(parts), k + window + 1)):
            if j == k:
                continue
            for word, ev in evidence[j].items():
                doc.setdefault(word, set()).update(ev)
        out.append(_features(singles, gaz, doc))
    return out


def _feature_value(feats: Sequence[str], key: str) -> str:
    """Value of the token's own feature ``key`` (``key=value``) in a crfsuite feature list."""
    prefix = key + "="
    for f in feats:
        if f.startswith(prefix):
            return f[len(prefix) :]
    return ""


def stage2_features(
    doc_feats: Sequence[Sequence[Sequence[str]]],
    stage1: Sequence[Sequence[str]],
    window: int = DOC_WINDOW,
    own: bool = True,
) -> list[list[list[str]]]:
    """Add label-consistency features from a first-pass tagging of the same text (two-stage CRF).

    For each token: the first-pass types of the *other* mentions of its clitic-stripped word within
    ``window`` sentences (``d2w=TYPE``, majority ``d2m=TYPE``), the longest first-pass entity phrase
    found elsewhere in the window that starts here (``d2p=B-TYPE``/``I-TYPE``) and, with ``own``, the
    token's own first-pass label (``s1=LABEL``).
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

    def _decode(self, feats: list[list[str]], tagger: pycrfsuite.Tagger | None = None) -> list[str]:
        """Viterbi labels, then recall-oriented repair: an ``O`` whose marginal is below the threshold
        takes the most probable entity type (CRFs trained on ANERcorp are precise but miss entities)."""
        if not feats:
            return []
        crf = self._tagger if tagger is None else tagger
        final = crf is (self._stage2 or self._tagger)
        with self._lock:
            labels: list[str] = list(crf.tag(feats))
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

    def _tag_features(self, feats: list[list[list[str]]], window: int = DOC_WINDOW) -> list[list[str]]:
        """Tag featurized sentences: the first pass, then (if loaded) the label-consistency pass."""
        if self._stage2 is None:
            return [self._decode(f) for f in feats]
        with self._lock:  # raw first-pass Viterbi labels, as the second stage was trained on
            first = [list(self._tagger.tag(f)) if f else [] for f in feats]
        second = stage2_features(feats, first, window=window, own=STAGE2_OWN)
        return [self._decode(f, self._stage2) for f in second]

    def tag(self, tokens: Sequence[str]) -> list[str]:
        """Return one BIO label per token."""
        if not tokens:
            return []
        return self._tag_features([sentence_features(tokens, self.resources)])[0]

    def tag_document(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """Tag consecutive sentences of one text, using evidence from nearby sentences."""
        return self._tag_features(document_features(sentences, self.resources))


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
