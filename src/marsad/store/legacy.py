"""The schema history before the unified schema (frozen): what stores written by earlier versions hold.

A store found at one of these versions (SQLite ``PRAGMA user_version`` 1-6, PostgreSQL
``schema_version`` 1-7) is first brought to the last of them with these statements, exactly as
those versions did, and then converted to the unified schema by ``marsad.store.migrate``. Nothing
else reads this module; new schema changes are steps in ``migrate.STEPS``.
"""

from __future__ import annotations

# SQLite: each entry upgrades the schema by one version (PRAGMA user_version).
SQLITE: tuple[str, ...] = (
    """
    CREATE TABLE pages (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        uri TEXT NOT NULL,
        kind TEXT NOT NULL,
        encoding TEXT,
        extractor TEXT,
        text TEXT NOT NULL,
        furniture TEXT NOT NULL,
        fetched_at TEXT,
        ingested_at TEXT NOT NULL
    );
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        content_key TEXT NOT NULL UNIQUE,
        page_id INTEGER NOT NULL REFERENCES pages(id),
        position INTEGER NOT NULL,
        url TEXT,
        source TEXT,
        title TEXT,
        date TEXT,
        date_original TEXT,
        author TEXT,
        language TEXT,
        text TEXT NOT NULL,
        data TEXT NOT NULL,
        ingested_at TEXT NOT NULL
    );
    CREATE INDEX articles_source ON articles(source);
    CREATE INDEX articles_date ON articles(date);
    CREATE INDEX articles_page ON articles(page_id);
    CREATE TABLE sightings (
        id INTEGER PRIMARY KEY,
        page_id INTEGER NOT NULL REFERENCES pages(id),
        uri TEXT NOT NULL,
        seen_at TEXT NOT NULL
    );
    CREATE INDEX sightings_page ON sightings(page_id);
    CREATE TABLE rejections (
        id INTEGER PRIMARY KEY,
        uri TEXT NOT NULL,
        reason TEXT NOT NULL,
        detail TEXT NOT NULL,
        at TEXT NOT NULL,
        times INTEGER NOT NULL DEFAULT 1,
        UNIQUE (uri, reason)
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: dedup and stories — fingerprints with LSH band keys, duplicate pairs, embeddings, term
    # document frequencies, stories and their members.
    """
    CREATE TABLE fingerprints (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        content_hash TEXT NOT NULL,
        signature BLOB NOT NULL,
        shingles INTEGER NOT NULL
    );
    CREATE INDEX fingerprints_hash ON fingerprints(content_hash);
    CREATE TABLE lsh_bands (key INTEGER NOT NULL, article_id INTEGER NOT NULL);
    CREATE INDEX lsh_bands_key ON lsh_bands(key);
    CREATE TABLE duplicates (
        a INTEGER NOT NULL,
        b INTEGER NOT NULL,
        kind TEXT NOT NULL,
        score REAL NOT NULL,
        PRIMARY KEY (a, b)
    );
    CREATE INDEX duplicates_b ON duplicates(b);
    CREATE TABLE embeddings (article_id INTEGER PRIMARY KEY REFERENCES articles(id), vector BLOB NOT NULL);
    CREATE TABLE term_df (term TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        title TEXT,
        first_seen TEXT,
        last_seen TEXT,
        size INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX stories_last ON stories(last_seen);
    CREATE TABLE story_articles (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        story_id INTEGER NOT NULL REFERENCES stories(id),
        date TEXT,
        score REAL NOT NULL
    );
    CREATE INDEX story_articles_story ON story_articles(story_id);
    CREATE INDEX story_articles_date ON story_articles(date);
    """,
    # 3: each article's content terms (headline + lead), computed once by the stories stage.
    """
    CREATE TABLE article_terms (article_id INTEGER PRIMARY KEY REFERENCES articles(id), terms TEXT NOT NULL);
    """,
    # 4: canonical entities, the keys that identify them across articles, and their mentions.
    """
    CREATE TABLE entities (id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL);
    CREATE TABLE entity_aliases (
        key TEXT NOT NULL,
        type TEXT NOT NULL,
        kind TEXT NOT NULL,
        entity_id TEXT NOT NULL REFERENCES entities(id),
        PRIMARY KEY (key, type, kind, entity_id)
    ) WITHOUT ROWID;
    CREATE TABLE mentions (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        entity_id TEXT NOT NULL REFERENCES entities(id),
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX mentions_entity ON mentions(entity_id, article_id);
    CREATE INDEX mentions_article ON mentions(article_id);
    """,
    # 5: the feed watcher's state (validators per feed, entries handled). ``IF NOT EXISTS``: older
    # versions of the watcher created these tables themselves.
    """
    CREATE TABLE IF NOT EXISTS watch_feeds (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT,
        checked_at TEXT, status INTEGER, error TEXT);
    CREATE TABLE IF NOT EXISTS watch_seen (feed_url TEXT NOT NULL, entry_id TEXT NOT NULL,
        seen_at TEXT NOT NULL, PRIMARY KEY (feed_url, entry_id));
    """,
    # 6: each article's publication day in its source's own calendar (the instant stays in ``date``,
    # UTC, for ordering); older rows get the UTC day they had.
    """
    ALTER TABLE articles ADD COLUMN day TEXT;
    UPDATE articles SET day = substr(date, 1, 10) WHERE date GLOB '[0-9][0-9][0-9][0-9]-*';
    CREATE INDEX articles_day ON articles(day);
    """,
)

# PostgreSQL: each entry upgrades the schema by one version (the schema_version table).
POSTGRES: tuple[str, ...] = (
    """
    CREATE TABLE pages (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        uri TEXT NOT NULL,
        kind TEXT NOT NULL,
        encoding TEXT,
        extractor TEXT,
        text TEXT NOT NULL,
        furniture TEXT NOT NULL,
        fetched_at TEXT,
        ingested_at TEXT NOT NULL
    );
    CREATE TABLE article_keys (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        content_key TEXT NOT NULL UNIQUE,
        month DATE NOT NULL
    );
    CREATE TABLE articles (
        id BIGINT NOT NULL,
        month DATE NOT NULL,
        content_key TEXT NOT NULL,
        -- No foreign key to pages: attaching a partition would then need a SHARE ROW EXCLUSIVE lock on
        -- pages and wait for every open ingest transaction. The page row is written first, in the same
        -- transaction, by the only code that inserts articles.
        page_id BIGINT NOT NULL,
        position INTEGER NOT NULL,
        url TEXT,
        source TEXT,
        title TEXT,
        date TEXT,
        date_original TEXT,
        author TEXT,
        language TEXT,
        text TEXT NOT NULL,
        data TEXT NOT NULL,
        ingested_at TEXT NOT NULL,
        PRIMARY KEY (id, month)
    ) PARTITION BY RANGE (month);
    CREATE INDEX articles_source ON articles(source);
    CREATE INDEX articles_date ON articles(date);
    CREATE INDEX articles_page ON articles(page_id);
    CREATE INDEX articles_id ON articles(id);
    CREATE TABLE sightings (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        page_id BIGINT NOT NULL REFERENCES pages(id),
        uri TEXT NOT NULL,
        seen_at TEXT NOT NULL
    );
    CREATE INDEX sightings_page ON sightings(page_id);
    CREATE TABLE rejections (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        uri TEXT NOT NULL,
        reason TEXT NOT NULL,
        detail TEXT NOT NULL,
        at TEXT NOT NULL,
        times INTEGER NOT NULL DEFAULT 1,
        UNIQUE (uri, reason)
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: dedup and stories — fingerprints with LSH band keys (a table probed through its index),
    # duplicate pairs, embeddings, term document frequencies, stories and their members.
    """
    CREATE TABLE fingerprints (
        article_id BIGINT PRIMARY KEY REFERENCES article_keys(id),
        content_hash TEXT NOT NULL,
        signature BYTEA NOT NULL,
        shingles INTEGER NOT NULL
    );
    CREATE INDEX fingerprints_hash ON fingerprints(content_hash);
    CREATE TABLE lsh_bands (key BIGINT NOT NULL, article_id BIGINT NOT NULL);
    CREATE INDEX lsh_bands_key ON lsh_bands(key);
    CREATE TABLE duplicates (
        a BIGINT NOT NULL,
        b BIGINT NOT NULL,
        kind TEXT NOT NULL,
        score DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (a, b)
    );
    CREATE INDEX duplicates_b ON duplicates(b);
    CREATE TABLE embeddings (article_id BIGINT PRIMARY KEY REFERENCES article_keys(id), vector BYTEA NOT NULL);
    CREATE TABLE term_df (term TEXT PRIMARY KEY, n INTEGER NOT NULL);
    CREATE TABLE stories (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        title TEXT,
        first_seen TEXT,
        last_seen TEXT,
        size INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX stories_last ON stories(last_seen);
    CREATE TABLE story_articles (
        article_id BIGINT PRIMARY KEY REFERENCES article_keys(id),
        story_id BIGINT NOT NULL REFERENCES stories(id),
        date TEXT,
        score DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX story_articles_story ON story_articles(story_id);
    CREATE INDEX story_articles_date ON story_articles(date);
    """,
    # 3: each article's content terms (headline + lead), computed once by the stories stage.
    """
    CREATE TABLE article_terms (article_id BIGINT PRIMARY KEY REFERENCES article_keys(id), terms TEXT NOT NULL);
    """,
    # 4: canonical entities, the keys that identify them across articles, and their mentions.
    """
    CREATE TABLE entities (id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL);
    CREATE TABLE entity_aliases (
        key TEXT NOT NULL,
        type TEXT NOT NULL,
        kind TEXT NOT NULL,
        entity_id TEXT NOT NULL REFERENCES entities(id),
        PRIMARY KEY (key, type, kind, entity_id)
    );
    CREATE TABLE mentions (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        article_id BIGINT NOT NULL REFERENCES article_keys(id),
        entity_id TEXT NOT NULL REFERENCES entities(id),
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX mentions_entity ON mentions(entity_id, article_id);
    CREATE INDEX mentions_article ON mentions(article_id);
    """,
    # 5: the feed watcher's state (validators per feed, entries handled).
    """
    CREATE TABLE watch_feeds (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, checked_at TEXT,
        status INTEGER, error TEXT);
    CREATE TABLE watch_seen (feed_url TEXT NOT NULL, entry_id TEXT NOT NULL, seen_at TEXT NOT NULL,
        PRIMARY KEY (feed_url, entry_id));
    """,
    # 6: the search index (marsad.search.postgres_backend): one row per article, a tsvector of Marsad's
    # own analysed terms (title weight A, body D, name keys B/C with a "~" prefix) under a GIN index,
    # written by add_page in the article's own transaction.
    """
    CREATE TABLE search_docs (
        article_id BIGINT PRIMARY KEY REFERENCES article_keys(id),
        source TEXT NOT NULL,
        day TEXT NOT NULL,
        dayn INTEGER NOT NULL,
        tsv TSVECTOR NOT NULL
    );
    CREATE INDEX search_docs_tsv ON search_docs USING GIN (tsv);
    CREATE INDEX search_docs_dayn ON search_docs(dayn);
    """,
    # 7: each article's publication day in its source's own calendar (the instant stays in ``date``,
    # UTC, for ordering); older rows get the UTC day they had.
    """
    ALTER TABLE articles ADD COLUMN day TEXT;
    UPDATE articles SET day = substr(date, 1, 10) WHERE date ~ '^[0-9]{4}-';
    CREATE INDEX articles_day ON articles(day);
    """,
)
