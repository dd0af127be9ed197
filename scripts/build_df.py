"""Build src/marsad/text/data/df.tsv.gz: background document frequencies of stems for keyword ranking.

Source: SaudiNewsNet (CC BY-NC-SA 4.0, github.com/parallelfold/SaudiNewsNet), the 12 days in
../shared/corpora/saudinewsnet. Only stems seen in at least MIN_DF articles are kept (rarer ones get
the maximum IDF anyway), so no text of the corpus is shipped. First line: ``#N<TAB>articles``.
"""

from __future__ import annotations

import gzip
import json
import zipfile
from collections import Counter
from pathlib import Path

from marsad.text.stem import stems

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "saudinewsnet"
OUT = ROOT / "src" / "marsad" / "text" / "data" / "df.tsv.gz"
#: A stem must appear in this many articles to be listed (keeps the file ~100 KB).
MIN_DF = 3


def main() -> None:
    """Count stems per article over all days and write the table."""
    df: Counter[str] = Counter()
    n = 0
    for day in sorted(CORPUS.glob("*.zip")):
        with zipfile.ZipFile(day) as zf:
            for rec in json.loads(zf.read(zf.namelist()[0])):
                text = f"{rec.get('title') or ''} {rec.get('content') or ''}"
                df.update(set(stems(text)))
                n += 1
    rows = [f"{s}\t{c}" for s, c in sorted(df.items()) if c >= MIN_DF and s]
    OUT.write_bytes(gzip.compress((f"#N\t{n}\n" + "\n".join(rows) + "\n").encode("utf-8"), mtime=0))
    print(f"{n} articles, {len(rows)} stems -> {OUT}")


if __name__ == "__main__":
    main()
