"""Batch engines: ``local`` (a loop in this process) and ``spark`` (a thin adapter), and where results go."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from marsad.batch.stages import (
    ENTITY_FIELDS,
    BatchResult,
    Task,
    dedup_groups,
    local_pairs,
    make_tasks,
    near_score,
    process_task,
)
from marsad.dedup.fingerprint import NEAR_THRESHOLD
from marsad.dedup.near import MIN_SHINGLES, check_scheme
from marsad.errors import InputError
from marsad.models import Rejection
from marsad.pipeline import process
from marsad.settings import Settings
from marsad.store import is_postgres_url, open_store

log = logging.getLogger(__name__)

ENGINES = ("local", "spark")
#: Default Spark master: two local cores (the machine this was measured on has two).
DEFAULT_MASTER = "local[2]"
#: Shuffle partitions for the band join: Spark's default of 200 is far too many for a laptop-sized
#: run; 8 keeps tasks busy on local[2]-local[8] without hundreds of empty tasks.
SHUFFLE_PARTITIONS = 8


def _ingest_task(task: Task, settings: Settings, url: str) -> Iterator[dict[str, Any]]:
    """Run one task, storing its pages in the PostgreSQL store as well (concurrent writers are safe)."""
    from marsad.ingest.files import iter_documents

    store = open_store(url)
    try:
        store.begin()
        import itertools

        for raw in itertools.islice(iter_documents([task.path], settings), task.part, None, task.splits):
            result = process(raw, settings)
            if isinstance(result, Rejection):
                store.add_rejection(result)
            else:
                store.add_page(result)
        store.commit()
    finally:
        store.close()
    yield from process_task(task, settings)


def _rows(task: Task, settings: Settings, out: str) -> Iterator[dict[str, Any]]:
    if is_postgres_url(out):
        yield from _ingest_task(task, settings, out)
    else:
        yield from process_task(task, settings)


def _unique(articles: Iterator[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for a in articles:
        seen.setdefault(a["key"], a)
    return list(seen.values())


def run_local(inputs: Sequence[str], out: str, settings: Settings, threshold: float = NEAR_THRESHOLD) -> BatchResult:
    """Run every task in this process, then dedup in memory; write JSON lines to ``out`` or the store."""
    started = time.perf_counter()
    tasks = make_tasks(inputs)
    result = BatchResult(engine="local", tasks=len(tasks), out=out)
    rows = [r for t in tasks for r in _rows(t, settings, out)]
    articles = _unique(r for r in rows if r["kind"] == "article")
    rejections = [r for r in rows if r["kind"] == "rejection"]
    pairs = local_pairs(articles, threshold)
    result.groups = dedup_groups(pairs)
    result.urls = {a["key"]: a["url"] for a in articles}
    result.articles, result.rejections, result.pairs = len(articles), len(rejections), len(pairs)
    if is_postgres_url(out):
        write_store(out, articles, pairs)
    else:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        _write_jsonl(folder / "articles.jsonl", ({k: v for k, v in a.items() if k != "signature"} for a in articles))
        _write_jsonl(folder / "rejections.jsonl", iter(rejections))
        _write_jsonl(folder / "pairs.jsonl", ({"a": a, "b": b, "kind": k, "score": s} for a, b, k, s in pairs))
        _write_jsonl(folder / "groups.jsonl", iter(result.groups))
    result.seconds = time.perf_counter() - started
    return result


def _write_jsonl(path: Path, rows: Iterator[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def write_store(url: str, articles: Sequence[dict[str, Any]], pairs: Sequence[tuple[str, str, str, float]]) -> None:
    """Write batch fingerprints and duplicate pairs into the store, then cluster stories there."""
    from marsad.derive import catch_up

    store = open_store(url)
    try:
        store.begin()
        check_scheme(store)
        ids = store.article_ids_by_key([str(a["key"]) for a in articles])
        have = set(store.signatures(list(ids.values())))
        for a in articles:
            aid = ids.get(a["key"])
            if aid is not None and aid not in have:
                keys = a["band_keys"] if a["shingles"] >= MIN_SHINGLES else []
                store.add_fingerprint(aid, a["content_hash"], a["signature"], a["shingles"], keys)
        for x, y, kind, score in pairs:
            if x in ids and y in ids:
                store.add_duplicate(ids[x], ids[y], kind, score)
        store.commit()
        # Stories are clustered by the embedded incremental stage (windowed, on the driver).
        catch_up(store)
    finally:
        store.close()


def run_spark(
    inputs: Sequence[str], out: str, settings: Settings, master: str = DEFAULT_MASTER, threshold: float = NEAR_THRESHOLD
) -> BatchResult:
    """Run the tasks on Spark (one task per partition), dedup by a join on LSH band keys, write Parquet or the store."""
    started = time.perf_counter()
    try:
        from pyspark.sql import SparkSession
        from pyspark.sql import functions as F
        from pyspark.sql.types import (
            ArrayType,
            BinaryType,
            DoubleType,
            IntegerType,
            LongType,
            StringType,
            StructField,
            StructType,
        )
    except ImportError as exc:
        raise InputError("the spark engine needs pyspark: pip install 'marsad[scale]'") from exc

    # Workers must run this interpreter (it has Marsad and its dependencies installed).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master(master)
        .appName("marsad-batch")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(SHUFFLE_PARTITIONS))
        .config("spark.driver.memory", "2g")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    tasks = make_tasks(inputs)
    result = BatchResult(engine="spark", tasks=len(tasks), out=out)
    art_schema = StructType(
        [
            StructField("key", StringType(), False),
            StructField("page_uri", StringType(), True),
            StructField("position", IntegerType(), False),
            StructField("url", StringType(), True),
            StructField("source", StringType(), True),
            StructField("title", StringType(), True),
            StructField("date", StringType(), True),
            StructField("text", StringType(), True),
            StructField("content_hash", StringType(), False),
            StructField("signature", BinaryType(), False),
            StructField("shingles", IntegerType(), False),
            StructField("band_keys", ArrayType(LongType()), False),
            StructField(
                "entities",
                ArrayType(
                    StructType(
                        [
                            StructField(f, IntegerType() if f in ("start", "end") else StringType(), True)
                            for f in ENTITY_FIELDS
                        ]
                    )
                ),
                True,
            ),
        ]
    )
    rej_schema = StructType([StructField(n, StringType(), True) for n in ("uri", "reason", "detail")])
    try:
        cfg = settings
        rows = spark.sparkContext.parallelize(tasks, max(1, len(tasks))).flatMap(lambda t: _rows(t, cfg, out)).cache()
        arts = spark.createDataFrame(
            rows.filter(lambda r: r["kind"] == "article").map(lambda r: tuple(r.get(f.name) for f in art_schema.fields)),
            art_schema,
        ).dropDuplicates(["key"])
        rejs = spark.createDataFrame(
            rows.filter(lambda r: r["kind"] == "rejection").map(lambda r: (r["uri"], r["reason"], r["detail"])), rej_schema
        )
        arts = arts.cache()
        # Exact pairs: a self-join on the content hash.
        a, b = arts.alias("a"), arts.alias("b")
        exact = (
            a.join(b, (F.col("a.content_hash") == F.col("b.content_hash")) & (F.col("a.key") < F.col("b.key")))
            .select(F.col("a.key").alias("a"), F.col("b.key").alias("b"))
            .withColumn("kind", F.lit("exact"))
            .withColumn("score", F.lit(1.0))
        )
        # Near pairs: explode band keys, join on them (the text-dedup way), score the distinct candidates.
        bands = arts.select("key", F.explode("band_keys").alias("band"))
        big = bands.groupBy("band").count().filter(F.col("count") > 500).select("band")
        bands = bands.join(big, "band", "left_anti")
        x, y = bands.alias("x"), bands.alias("y")
        cand = (
            x.join(y, (F.col("x.band") == F.col("y.band")) & (F.col("x.key") < F.col("y.key")))
            .select(F.col("x.key").alias("a"), F.col("y.key").alias("b"))
            .distinct()
            .join(exact.select("a", "b"), ["a", "b"], "left_anti")
        )
        sigs = arts.select("key", "signature")
        scored = (
            cand.join(sigs.withColumnRenamed("key", "a").withColumnRenamed("signature", "sa"), "a")
            .join(sigs.withColumnRenamed("key", "b").withColumnRenamed("signature", "sb"), "b")
            .select("a", "b", F.udf(near_score, DoubleType())("sa", "sb").alias("score"))
            .filter(F.col("score") >= threshold)
            .withColumn("kind", F.lit("near"))
            .select("a", "b", "kind", "score")
        )
        pairs_df = exact.select("a", "b", "kind", "score").unionByName(scored).cache()
        pairs = [(str(r["a"]), str(r["b"]), str(r["kind"]), float(r["score"])) for r in pairs_df.collect()]
        # Duplicate pairs are few next to articles: components are found on the driver.
        result.groups = dedup_groups(pairs)
        wanted = sorted({k for g in result.groups for k in g["keys"]})
        result.urls = {str(r["key"]): r["url"] for r in arts.filter(F.col("key").isin(wanted)).select("key", "url").collect()}
        result.articles = arts.count()
        result.rejections = rejs.count()
        result.pairs = len(pairs)
        if is_postgres_url(out):
            write_store(out, [r.asDict() for r in arts.collect()], pairs)
        else:
            arts.drop("signature").write.mode("overwrite").parquet(str(Path(out) / "articles"))
            rejs.write.mode("overwrite").parquet(str(Path(out) / "rejections"))
            pairs_df.write.mode("overwrite").parquet(str(Path(out) / "pairs"))
            groups_schema = StructType(
                [
                    StructField("kind", StringType(), False),
                    StructField("keys", ArrayType(StringType()), False),
                    StructField("score", DoubleType(), False),
                ]
            )
            spark.createDataFrame([(g["kind"], g["keys"], g["score"]) for g in result.groups], groups_schema).write.mode(
                "overwrite"
            ).parquet(str(Path(out) / "groups"))
    finally:
        spark.stop()
    result.seconds = time.perf_counter() - started
    return result


def run_batch(
    inputs: Sequence[str], out: str, settings: Settings, engine: str = "local", master: str = DEFAULT_MASTER
) -> BatchResult:
    """Run a batch over ``inputs`` with the named engine, writing to a folder or a postgresql:// store."""
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    log.info("batch over %d inputs with the %s engine into %s", len(inputs), engine, out)
    if engine == "spark":
        return run_spark(inputs, out, settings, master)
    return run_local(inputs, out, settings)
