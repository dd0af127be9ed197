"""The feed watcher's state: validators per feed and the entries already handled."""

from __future__ import annotations

from marsad.store.sql import SqlBase, clean, now


class SqlFeedState(SqlBase):
    """What ``marsad watch`` remembers between polling rounds."""

    def feed_validators(self, url: str) -> tuple[str | None, str | None]:
        """Return the (ETag, Last-Modified) stored for a feed."""
        row = self.first("SELECT etag, last_modified FROM watch_feeds WHERE url = :u", u=clean(url))
        return (row["etag"], row["last_modified"]) if row else (None, None)

    def save_feed_state(self, url: str, etag: str | None, last_modified: str | None, status: int | None, error: str | None) -> None:
        """Remember the outcome of polling a feed."""
        self.run(
            "INSERT INTO watch_feeds(url, etag, last_modified, checked_at, status, error) VALUES (:u, :e, :m, :at, :s, :x)"
            " ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,"
            " checked_at = excluded.checked_at, status = excluded.status, error = excluded.error",
            u=clean(url), e=clean(etag), m=clean(last_modified), at=now(), s=status, x=clean(error),
        )

    def entry_seen(self, feed_url: str, entry_id: str) -> bool:
        """Return True if this feed entry was handled before."""
        return self.scalar("SELECT 1 FROM watch_seen WHERE feed_url = :f AND entry_id = :e",
                           f=clean(feed_url), e=clean(entry_id)) is not None

    def mark_entry_seen(self, feed_url: str, entry_id: str) -> None:
        """Remember a feed entry as handled."""
        self.run("INSERT INTO watch_seen(feed_url, entry_id, seen_at) VALUES (:f, :e, :at) ON CONFLICT DO NOTHING",
                 f=clean(feed_url), e=clean(entry_id), at=now())
