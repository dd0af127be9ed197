"""Pick the real SaudiNewsNet articles of the entity-hygiene tests (tests/data/entities/cases.json).

Run: ``.venv/bin/python scripts/build_entity_fixture.py``. For each case (a junk kind, a missed
merge or a wrong merge of issue 14) it takes the shortest articles of the shared days whose text
matches the case's pattern, so the fixture stays small and is rebuilt the same way every time.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAYS = ROOT.parent / "shared" / "corpora" / "saudinewsnet"
OUT = ROOT / "tests" / "data" / "entities" / "cases.json"
PER_CASE = 4
MIN_CHARS, MAX_CHARS = 300, 1800
CASES = {
    "formula": r"رضي الله عنه|رحمه الله|حفظه الله",
    "pronoun_title": r"\bسموه\b",
    "crown_prince": r"ولي العهد",
    "currency": r"\d+ (?:مليون |مليار )?(?:دولار|ريال)",
    "haram": r"المسجد الحرام",
    "king_salman": r"الملك سلمان\b",
    "salman_nasab": r"سلمان بن عبد ?العزيز آل سعود",
    "saleh": r"علي عبد ?الله صالح",
    "saleh_short": r"\bعلي صالح\b",
    "mbs": r"محمد بن سلمان بن عبد ?العزيز",
    "abdullah_ii": r"عبد ?الله الثاني",
    "faisal_khalid": r"فيصل بن خالد بن عبد ?العزيز",
    "suez_canal": r"قناة السويس",
    "tabuk": r"منطقة تبوك",
    "abha": r"\bأبها\b",
    "asir": r"منطقة عسير",
    "majra": r"\bالمجرى\b|مجريات|\bمغرية\b",
    "hungary": r"\bالمجر\b",
    "boys": r"\bبنين\b",
    "aqsa": r"المسجد الأقصى|باحات? الأقصى",
    "generic_championship": r"البطولة (?:العربية|القارية|الأفريقية|الآسيوية)|بطولة كأس السوبر",
    "other_currency": r"\d+ (?:مليون |مليار )?(?:يوان|روبلا?|دراهم)",
    "central_bank": r"البنك المركزي",
    # Two spellings of one region and of one town (one written fused): data/saudi_places.tsv.
    "jizan": r"\bجيزان\b",
    "jazan": r"\bجازان\b",
    "hafar_fused": r"حفرالباطن",
    "hafar": r"حفر الباطن",
    # بطولة as "starring" before an actor, and a championship named only by its sport.
    "starring": r"بطولة (?:الفنان نايف|بول رود)",
    "sport_championship": r"بطولة (?:البولينغ|البولينج)",
}


def main() -> None:
    """Write the fixture."""
    pats = {k: re.compile(v) for k, v in CASES.items()}
    found: dict[str, list[tuple[int, str, dict[str, str]]]] = {k: [] for k in CASES}
    for z in sorted(DAYS.glob("*.zip")):
        with zipfile.ZipFile(z) as f:
            for name in f.namelist():
                for a in json.loads(f.read(name)):
                    text = f"{a.get('title', '')}\n{a.get('content', '')}"
                    if not MIN_CHARS <= len(text) <= MAX_CHARS:
                        continue
                    for k, p in pats.items():
                        if p.search(text):
                            found[k].append((len(text), a["url"], a))
    chosen: dict[str, dict[str, str]] = {}
    cases: dict[str, list[str]] = {}
    for k, rows in found.items():
        rows.sort(key=lambda r: (r[0], r[1]))
        cases[k] = [url for _, url, _ in rows[:PER_CASE]]
        for _, url, a in rows[:PER_CASE]:
            chosen[url] = {key: a[key] for key in ("source", "url", "date_extracted", "title", "author", "content") if key in a}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"cases": cases, "articles": sorted(chosen.values(), key=lambda a: a["url"])},
                              ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(chosen)} articles for {len(cases)} cases → {OUT}")


if __name__ == "__main__":
    main()
