"""Build src/marsad/text/data/stopwords-ar.txt from stopwords-iso (MIT licence, stopwordsiso package).

Words are stored normalized (Marsad's matching normalization), one per line, sorted, so the
runtime needs neither the package nor a normalization pass over the list.
"""

from __future__ import annotations

from pathlib import Path

import stopwordsiso

from marsad.text.normalize import normalize_text

OUT = Path(__file__).resolve().parents[1] / "src" / "marsad" / "text" / "data" / "stopwords-ar.txt"


def main() -> None:
    """Write the normalized stopword list."""
    words = sorted({normalize_text(w).strip() for w in stopwordsiso.stopwords("ar")} - {""})
    header = "# Arabic stopwords from stopwords-iso (MIT), normalized by marsad.text.normalize.\n"
    OUT.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    print(f"wrote {len(words)} words to {OUT}")


if __name__ == "__main__":
    main()
