"""Build src/marsad/entities/data/places.tsv: countries with ISO ids, Arabic names and nationality forms.

Sources: CLDR territory names in Arabic and English via Babel (BSD; CLDR data under the Unicode
licence) and arwikicats' nationality tables (MIT; jsons/nationalities/*.json), which give every
form of a nationality (روسي، روسية، الروس، الكوري الشمالي …) with its country. Rows are
``form<TAB>iso2<TAB>canonical Arabic name``, forms normalized with marsad.text.normalize_text.
"""

from __future__ import annotations

import json
from importlib.metadata import distribution
from pathlib import Path

from babel import Locale

from marsad.text.normalize import normalize_text

OUT = Path(__file__).resolve().parents[1] / "src" / "marsad" / "entities" / "data" / "places.tsv"
FORMS = ("male", "males", "female", "females", "the_male", "the_female")
# Forms that are far more often ordinary words than places in news text: مالي/المالية mean
# "financial", عمان is also Amman (Jordan's capital). Measured on SaudiNewsNet 2015-08-04, where
# المالية alone made "Mali" the 9th most mentioned entity.
HOMOGRAPHS = {
    "مالي", "المالي", "ماليه", "الماليه", "ماليات", "الماليات", "ماليون", "الماليون", "ماليين", "الماليين",
    "عمان",
}
EXTRA = {"سلطنه عمان": "OM"}


def main() -> None:
    """Write the country/nationality table."""
    ar, en = Locale("ar").territories, Locale("en").territories
    by_en = {name.lower(): code for code, name in en.items() if len(code) == 2}
    rows: dict[str, tuple[str, str]] = {}
    for code, name in ar.items():
        if len(code) != 2 or code in ("ZZ", "EU", "EZ", "UN", "QO"):
            continue
        for form in {name, name.split(" (")[0]}:
            rows.setdefault(normalize_text(form), (code, name))
    # Read the JSON tables straight from the installed distribution: importing ArWikiCats pulls in
    # logging extras (colorlog) that building this table does not need.
    base = Path(str(distribution("arwikicats").locate_file("ArWikiCats/jsons/nationalities")))
    for fname in ("nationalities_data.json", "nationalities_data_with_directions.json"):
        data = json.loads((base / fname).read_text(encoding="utf-8"))
        for entry in data.values():
            code = by_en.get(str(entry.get("en", "")).lower())
            if code is None:
                continue
            canonical = ar[code]
            for key in FORMS:
                form = entry.get(key)
                if isinstance(form, str) and form.strip():
                    rows.setdefault(normalize_text(form.strip()), (code, canonical))
                    if not key.startswith("the_") and key.endswith("s"):
                        rows.setdefault(normalize_text("ال" + form.strip()), (code, canonical))
            if isinstance(entry.get("ar"), str):
                rows.setdefault(normalize_text(entry["ar"]), (code, canonical))
    for form in HOMOGRAPHS:
        rows.pop(form, None)
    for form, code in EXTRA.items():
        rows[form] = (code, ar[code])
    header = "# form\tiso2\tname — CLDR (Babel) territory names + arwikicats nationality forms (MIT)\n"
    body = "\n".join(f"{form}\t{code}\t{name}" for form, (code, name) in sorted(rows.items()))
    OUT.write_text(header + body + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} forms to {OUT}")


if __name__ == "__main__":
    main()
