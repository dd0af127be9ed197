"""The tagger's vocabulary and data: normalization, clitics, trigger and topic words, and the feature resources."""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from marsad.text.clitics import ARTICLE, NER, NER_SUFFIXES, strip_proclitic
from marsad.text.normalize import normalize_text

if TYPE_CHECKING:
    from marsad.entities.ner.features import TokenFeatures

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

# The tagger's token normalization: Marsad's one normalizer, plus two folds its features were trained
# with (hamza seats ئ/ؤ → ء, and Latin lower case): frozen with the weights. Checked to equal the
# tagger's earlier table on all 29,238 distinct ANERcorp tokens (tests/text/test_one_text_layer.py).
_HAMZA_SEATS = str.maketrans({"ؤ": "ء", "ئ": "ء"})


def normalize_token(token: str) -> str:
    """Return the orthographically normalized form of one token (alef/yaa/taa-marbuta/hamza folded)."""
    return normalize_text(token).translate(_HAMZA_SEATS).lower()


_DEF_PREFIXES = frozenset(p for p in NER if p.endswith(ARTICLE) or p.endswith("لل"))
_SUFFIXES = NER_SUFFIXES


def strip_clitics(norm: str) -> tuple[str, str]:
    """Split a normalized token into (proclitic, rest) by the tagger's clitic set (text.clitics.NER)."""
    return strip_proclitic(norm, NER)


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
    token_cache: dict[str, TokenFeatures] = field(default_factory=dict, repr=False)
    token_cache_old: dict[str, TokenFeatures] = field(default_factory=dict, repr=False)


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


def data_lines(name: str) -> list[str]:
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
        data_lines(GAZETTEER_FILE) + data_lines(MEMORY_FILE),
        data_lines(CLUSTERS_FILE),
        data_lines(HINTS_FILE),
        _data_bytes(EMBEDDINGS_FILE),
        data_lines(VCLUSTERS_FILE),
        data_lines(E5CLUSTERS_FILE),
    )


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
