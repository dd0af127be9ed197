"""The batch engines (local and Spark local[2]) find the same duplicate groups as the embedded pipeline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from marsad.batch.run import run_batch
from marsad.batch.stages import ENTITY_FIELDS, BatchResult
from marsad.dedup.near import duplicate_groups
from marsad.ingest.files import iter_documents
from marsad.models import Page
from marsad.pipeline import ingest_paths, process
from marsad.settings import load_settings
from marsad.store import SQLiteStore

DATA = Path(__file__).resolve().parents[1] / "data"
#: Real SaudiNewsNet articles: the labelled wire-copy sample (exact and near duplicates) and a day sample.
INPUTS = [str(DATA / "pairs" / "near-duplicates-articles.json"), str(DATA / "saudinewsnet-sample.json")]

Groups = set[tuple[str, frozenset[str | None]]]


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Groups:
    """Duplicate groups of the embedded pipeline (ingest with dedup on) over the same input."""
    store = SQLiteStore(tmp_path_factory.mktemp("emb") / "m.db")
    ingest_paths(INPUTS, store, load_settings())
    groups: list[dict[str, Any]] = duplicate_groups(store, kinds=("exact", "near"))
    store.close()
    return {(g["kind"], frozenset(m["url"] for m in g["members"])) for g in groups}


def _groups(result: BatchResult) -> Groups:
    return {(g["kind"], frozenset(result.urls[k] for k in g["keys"])) for g in result.groups}


def test_local_engine_matches_embedded(embedded: Groups, tmp_path: Path) -> None:
    result = run_batch(INPUTS, str(tmp_path / "out"), load_settings(), engine="local")
    assert result.articles == 95 + 33
    assert any(kind == "exact" for kind, _ in embedded) and any(kind == "near" for kind, _ in embedded)
    assert _groups(result) == embedded
    assert (tmp_path / "out" / "groups.jsonl").read_text(encoding="utf-8").count("\n") == len(result.groups)
    rows = [json.loads(line) for line in (tmp_path / "out" / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["key"]: r["entities"] for r in rows} == _pipeline_entities()


def _pipeline_entities() -> dict[str, list[dict[str, Any]]]:
    """Entity mentions per article key from the plain per-document stages over the same input."""
    settings = load_settings()
    out: dict[str, list[dict[str, Any]]] = {}
    for raw in iter_documents(INPUTS, settings):
        page = process(raw, settings)
        if isinstance(page, Page):
            for a in page.articles:
                out.setdefault(a.content_key(), [{f: getattr(m, f) for f in ENTITY_FIELDS} for m in a.entities or []])
    assert sum(len(v) for v in out.values()) > 500, "the sample should carry many entity mentions"
    return out


def test_spark_local2_matches_embedded(embedded: Groups, tmp_path: Path) -> None:
    if shutil.which("java") is None:
        pytest.skip("java not installed: Spark needs a JVM (Java 17)")
    pytest.importorskip("pyspark", reason="pyspark not installed: pip install 'marsad[scale]'")
    out = tmp_path / "parquet"
    result = run_batch(INPUTS, str(out), load_settings(), engine="spark", master="local[2]")
    assert result.articles == 95 + 33, result
    assert _groups(result) == embedded
    for table in ("articles", "pairs", "groups", "rejections"):
        assert list((out / table).glob("*.parquet")), f"no Parquet written for {table}"
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
    try:
        stored = {
            r["key"]: [m.asDict() for m in r["entities"]]
            for r in spark.read.parquet(str(out / "articles")).select("key", "entities").collect()
        }
    finally:
        spark.stop()
    assert stored == _pipeline_entities()
