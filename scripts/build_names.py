"""Build src/marsad/text/data/known_names.txt: multi-word Arabic names the tag splitter keeps whole.

Source: CLDR Arabic territory names via Babel (BSD; CLDR data under the Unicode licence). Only
names of two or more words are kept (single words need no joining). Stored normalized.
"""

from __future__ import annotations

from pathlib import Path

from babel import Locale

from marsad.text.normalize import normalize_text

OUT = Path(__file__).resolve().parents[1] / "src" / "marsad" / "text" / "data" / "known_names.txt"


def main() -> None:
    """Write the normalized multi-word name list."""
    names: set[str] = set()
    locale = Locale("ar")
    for code, name in locale.territories.items():
        if code.isdigit():  # UN M.49 regions ("آسيا الوسطى") are not places news tags name
            continue
        for variant in {name, name.replace("جزر ", "")}:
            clean = " ".join(normalize_text(variant).replace("(", " ").replace(")", " ").split())
            if len(clean.split()) >= 2 and "،" not in clean:
                names.add(clean)
    header = "# Multi-word Arabic names (CLDR territories via Babel), normalized; one per line.\n"
    OUT.write_text(header + "\n".join(sorted(names)) + "\n", encoding="utf-8")
    print(f"wrote {len(names)} names to {OUT}")


if __name__ == "__main__":
    main()
