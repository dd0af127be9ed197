"""Arabic text layer: pure functions for normalization (with offsets), tokens, stems, stopwords, name keys."""

from marsad.text.fold import FOLD_VERSION, fold_key
from marsad.text.normalize import NORMALIZER_VERSION, Normalized, arabic_ratio, normalize, normalize_text
from marsad.text.stem import stem, stems
from marsad.text.stopwords import is_stopword, stopwords
from marsad.text.tokens import Token, clitic_variants, strip_proclitics, tokenize, words

__all__ = [
    "FOLD_VERSION",
    "NORMALIZER_VERSION",
    "Normalized",
    "Token",
    "arabic_ratio",
    "clitic_variants",
    "fold_key",
    "is_stopword",
    "normalize",
    "normalize_text",
    "stem",
    "stems",
    "stopwords",
    "strip_proclitics",
    "tokenize",
    "words",
]
