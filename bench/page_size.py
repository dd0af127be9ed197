"""Time and memory per MB of one page, from 100 KB to 10 MB: does understanding a page stay linear?

Run by hand: ``.venv/bin/python bench/page_size.py [--sizes 0.1,0.3,1,3,10]``. Pages are built from
real SaudiNewsNet articles (2015-07-25), as plain text and as HTML. Each measurement runs in its
own subprocess (peak RSS is its own): Marsad's ``process`` (extraction and the page stages, as
ingest runs them) and, for HTML, trafilatura's ``extract`` alone on the same bytes (the peer
Marsad's HTML path starts from). Prints seconds (after the tagger and dictionaries are loaded: a run loads them once), seconds per
MB and peak MB. Entities are tagged in the first ``MAX_TAGGED_CHARS`` of an article only, so past
that a page costs extraction alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAY = ROOT.parent / "shared" / "corpora" / "saudinewsnet" / "2015-07-25.zip"


def make(kind: str, size: int, path: Path) -> None:
    """Write a page of ``size`` bytes of real articles, as text or HTML."""
    with zipfile.ZipFile(DAY) as zf:
        records = json.loads(zf.read("2015-07-25.json"))[:300]
    if kind == "text":
        body = "\n\n".join(f"{r['title']}\n{r['content']}" for r in records)
        head, tail = "", ""
    else:
        body = "".join(f"<article><h2>{r['title']}</h2>" + "".join(f"<p>{x}</p>" for x in r["content"].split("\n") if x.strip())
                       + "</article>" for r in records)
        head, tail = "<!doctype html><html lang=ar dir=rtl><head><meta charset=utf-8><title>صفحة</title></head><body>", "</body></html>"
    while len(body.encode()) < size:
        body += body
    path.write_bytes((head + body).encode()[:size].decode("utf-8", "ignore").encode() + tail.encode())


def child(contender: str, path: Path) -> None:
    """Understand one page and print seconds and peak MB as JSON."""
    data = path.read_bytes()
    start = time.perf_counter()
    if contender == "trafilatura":
        import trafilatura

        trafilatura.extract(data.decode("utf-8"))
    else:
        from marsad.models import RawDocument
        from marsad.pipeline import process
        from marsad.settings import load_settings

        settings = load_settings()
        # Load the tagger and dictionaries first: a run loads them once, not per page.
        process(RawDocument(data="الرياض - واس\nافتتح الأمير فيصل بن بندر مشروعا جديدا في الرياض اليوم.\n".encode(),
                            uri="warm-up"), settings)
        start = time.perf_counter()
        process(RawDocument(data=data, uri=str(path)), settings)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main() -> None:
    """Measure every size and kind."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="0.1,0.3,1,3,10", help="page sizes in MB")
    ap.add_argument("--child", nargs=2, metavar=("CONTENDER", "PAGE"))
    args = ap.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    print(f"{'page':6} {'MB':>5} {'contender':12} {'seconds':>8} {'s/MB':>6} {'peak MB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("text", "html"):
            for mb in (float(x) for x in args.sizes.split(",")):
                page = Path(tmp) / f"page.{kind}"
                make(kind, int(mb * 1_000_000), page)
                for contender in ("marsad", *(["trafilatura"] if kind == "html" else [])):
                    out = subprocess.run([sys.executable, __file__, "--child", contender, str(page)],
                                         capture_output=True, text=True, check=True)
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    print(f"{kind:6} {mb:>5} {contender:12} {r['seconds']:>8.2f} {r['seconds'] / mb:>6.2f} {r['peak_mb']:>8.0f}")


if __name__ == "__main__":
    main()
