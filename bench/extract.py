"""Benchmark: pages/second and gold-snippet F1 of Marsad's HTML extraction beside bare trafilatura.

Run by hand: ``.venv/bin/python bench/extract.py [--repeat N]``. Both extractors run in the same
process on the same fixture pages (tests/data/html, gold.json), after one warm-up pass each.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura

from marsad.extract import extract
from marsad.extract.html import SnippetScore, score_snippets
from marsad.models import Page, RawDocument

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "tests" / "data" / "html"


def marsad_text(data: bytes, name: str) -> str:
    """Return Marsad's article content (titles, headings, paragraphs) or '' for a rejection."""
    page = extract(RawDocument(data, name))
    if not isinstance(page, Page):
        return ""
    return "\n".join(f.text for a in page.articles for f in (a.title, *a.headings, *a.paragraphs) if f is not None)


def trafilatura_text(data: bytes, name: str) -> str:
    """Return bare trafilatura's text (with metadata extraction on, as Marsad uses it)."""
    doc = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False)
    text = getattr(doc, "text", None)
    return text if isinstance(text, str) else ""


def run(fn: Callable[[bytes, str], str], pages: dict[str, bytes], gold: dict[str, dict[str, list[str]]], repeat: int) -> tuple[float, SnippetScore]:
    """Return (pages per second, summed snippet score) for one extractor."""
    for name, data in pages.items():
        fn(data, name)  # warm-up: regex compilation, lazy imports
    start = time.perf_counter()
    texts: dict[str, str] = {}
    for _ in range(repeat):
        for name, data in pages.items():
            texts[name] = fn(data, name)
    elapsed = time.perf_counter() - start
    total = SnippetScore(0, 0, 0, 0)
    for name, g in gold.items():
        total += score_snippets(texts[name], g["with"], g["without"])
    return repeat * len(pages) / elapsed, total


def main() -> None:
    """Print the figures for both extractors."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the pages to time")
    args = parser.parse_args()
    raw_gold = json.loads((HTML / "gold.json").read_text(encoding="utf-8"))
    gold = {k: v for k, v in raw_gold.items() if not k.startswith("_")}
    pages = {name: (HTML / name).read_bytes() for name in gold}
    size = sum(len(d) for d in pages.values()) / 1024
    print(f"{len(pages)} pages, {size:.0f} KB, {args.repeat} timed passes")
    print(f"{'extractor':14} {'pages/s':>8} {'precision':>9} {'recall':>7} {'F1':>6}")
    for label, fn in (("marsad", marsad_text), ("trafilatura", trafilatura_text)):
        speed, score = run(fn, pages, gold, args.repeat)
        print(f"{label:14} {speed:8.1f} {score.precision:9.3f} {score.recall:7.3f} {score.f1:6.3f}")


if __name__ == "__main__":
    main()
