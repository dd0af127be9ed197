"""Build distant-supervision type hints for the NER tagger from unlabeled SaudiNewsNet text.

For every word (normalized, clitic-stripped) it counts how often the word directly follows a
typed trigger noun in the unlabeled news (``الرئيس X`` -> PERS, ``شركة X`` -> ORG, ``مدينة X`` -> LOC,
``جائزة X`` -> MISC; a nisba adjective after the trigger, as in ``الرئيس الروسي X``, is skipped).
Words with enough such contexts get a ``TYPE:hi``/``TYPE:lo`` hint, written to
``src/marsad/entities/data/hints.tsv.gz`` (word<TAB>hints). No labels are used: it is a feature only.

Usage: .venv/bin/python scripts/build_hints.py   (stdlib only; deterministic)
"""

from __future__ import annotations

import gzip
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_clusters import DEFAULT_CORPUS, iter_sentences

from marsad.entities.ner import normalize_token, strip_clitics

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "marsad" / "entities" / "data" / "hints.tsv.gz"
TRIGGERS = {
    "PERS": "رئيس وزير وزيرة ملك أمير شيخ سيد سيدة جنرال مدرب لاعب زعيم نائب سفير مستشار عقيد لواء "
    "عميد مشير سلطان إمام مفتي فنان فنانة ممثل ممثلة مطرب مطربة كاتب شاعر روائي مخرج",
    "LOC": "مدينة عاصمة بلدة قرية محافظة ولاية مقاطعة إقليم جزيرة نهر جبل ميناء مطار إمارة",
    "ORG": "شركة وكالة جامعة حزب منظمة مؤسسة جمعية هيئة نادي فريق بنك مصرف صندوق حركة جماعة تنظيم "
    "صحيفة جريدة مجلة قناة حلف مجموعة",
    "MISC": "جائزة بطولة كأس مهرجان",
}


def main() -> None:
    """Count trigger contexts and write the hint file."""
    trig: dict[str, str] = {}
    for etype, words in TRIGGERS.items():
        for w in words.split():
            n = normalize_token(w)
            trig[n] = etype
            trig["ال" + n] = etype
    total: Counter[str] = Counter()
    typed: dict[str, Counter[str]] = {}
    for toks in iter_sentences(DEFAULT_CORPUS):
        rests = [strip_clitics(t)[1] for t in toks]
        total.update(rests)
        for i, tok in enumerate(toks[:-1]):
            etype = trig.get(tok) or trig.get(rests[i])
            if etype is None:
                continue
            j = i + 1
            nxt = toks[j]
            if nxt.startswith("ال") and nxt.endswith("ي") and j + 1 < len(toks):
                j += 1  # skip a nisba adjective: الرئيس الروسي بوتين
            typed.setdefault(rests[j], Counter())[etype] += 1
    lines = []
    for word in sorted(typed):
        if len(word) < 2 or word in trig:
            continue
        hints = []
        for etype, k in sorted(typed[word].items()):
            ratio = k / total[word]
            if k >= 2 and ratio >= 0.05:
                hints.append(f"{etype}:{'hi' if ratio >= 0.3 else 'lo'}")
        if hints:
            lines.append(f"{word}\t{','.join(hints)}\n")
    OUT.write_bytes(gzip.compress("".join(lines).encode("utf-8"), compresslevel=9, mtime=0))
    print(f"wrote {len(lines)} hinted words to {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
