"""Coverage-guided fuzzing of Marsad's own parsers with atheris (run by hand, not in CI).

    pip install atheris
    python fuzz/fuzz_parsers.py fuzz/corpus -max_total_time=600

The corpus is seeded from the real pages in ../shared/pages (``--seed`` copies them in). Every input
goes through the plain-text page rules, the tag splitter, the related-list cleaner, the normalizer,
the search query parser and the HTML/feed/record extraction path; any exception is a finding.
Turn each crash into a regression test under tests/ (see tests/extract/test_fuzz_plaintext.py).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT.parent / "shared" / "pages"


def seed(corpus: Path) -> None:
    """Copy the real pages into the corpus folder."""
    corpus.mkdir(parents=True, exist_ok=True)
    for path in sorted(PAGES.rglob("*")):
        if path.is_file() and path.suffix in {".txt", ".html", ".xml"}:
            shutil.copy(path, corpus / path.name)


def one_input(data: bytes) -> None:
    """Run every parser on one input."""
    from marsad.extract import extract
    from marsad.extract.plaintext import clean_related_headline, parse_text
    from marsad.extract.tags import split_tags
    from marsad.models import RawDocument
    from marsad.search.query import parse_query
    from marsad.text import normalize, normalize_text, tokenize

    text = data.decode("utf-8", errors="replace")
    n = normalize(text)
    assert n.text == normalize_text(text)
    tokenize(text)
    parse_text(text, "fuzz")
    split_tags(text[:200], 0, text)
    clean_related_headline(text[:200])
    parse_query(text[:500])
    for name in ("fuzz.txt", "fuzz.html", "fuzz.xml"):
        extract(RawDocument(data, name))


def main() -> None:
    """Seed the corpus when asked, then hand over to atheris."""
    if len(sys.argv) > 2 and sys.argv[1] == "--seed":
        seed(Path(sys.argv[2]))
        return
    import atheris

    with atheris.instrument_imports():
        import marsad.extract
        import marsad.search.query  # noqa: F401
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
