"""The store's shared pieces: the roles it plays (re-exported from ``marsad.ports``), the stored
form of a rejection's detail, and the SQL of story lists."""

from __future__ import annotations

from typing import Any

from marsad.models import Rejection
from marsad.ports import (
    AddResult,
    ArticleRow,
    DerivedState,
    EntityDictionary,
    FeedState,
    Lifecycle,
    PageWriter,
    ReadModel,
    Store,
)

__all__ = [
    "AddResult",
    "ArticleRow",
    "DerivedState",
    "EntityDictionary",
    "FeedState",
    "Lifecycle",
    "PageWriter",
    "ReadModel",
    "Store",
    "rejection_detail",
    "story_page_sql",
]

#: Characters of a rejection's detail kept (an error message, not a copy of the input).
DETAIL_CHARS = 2000


def rejection_detail(rejection: Rejection) -> str:
    """Return the stored detail of a rejection: which item (the last one seen) and what was wrong."""
    text = f"{rejection.item}: {rejection.detail}" if rejection.item else rejection.detail
    return text[:DETAIL_CHARS]


#: Orders of a story list: freshest day first then biggest, or biggest first.
STORY_SORTS = ("recent", "size")
#: Stories with at least one article published on ``:day``.
DAY_COUNTS = (
    "SELECT s.story_id, count(*) AS n FROM story_articles s JOIN articles a ON a.id = s.article_id"
    " WHERE a.day = :day GROUP BY s.story_id"
)
STORY_DAY_COUNT = f"SELECT count(*) AS n FROM ({DAY_COUNTS}) d"


def story_page_sql(day: str | None, sort: str, since: str | None = None) -> tuple[str, dict[str, Any]]:
    """Return the SQL (named parameters; ``:n`` and ``:o`` are the limit and offset) and arguments of a story list.

    With ``day``, ``day_count`` is the stories' articles of that day; with ``since``, only stories
    last seen on or after it. ``{C}`` is the store's byte-order collation.
    """
    if sort not in STORY_SORTS:
        raise ValueError(f"sort must be one of {', '.join(STORY_SORTS)}")
    cols = "st.id, st.title, st.first_seen, st.last_seen, st.size"
    fresh = "substr(coalesce(st.last_seen, ''), 1, 10){C} DESC"
    where = "st.size > 0 AND st.last_seen >= :since" if since else "st.size > 0"
    args: dict[str, Any] = {"since": since, "day": day}
    if day:
        order = "d.n DESC, st.size DESC, st.id DESC" if sort == "size" else f"{fresh}, d.n DESC, st.id DESC"
        sql = f"SELECT {cols}, d.n AS day_count FROM stories st JOIN ({DAY_COUNTS}) d ON d.story_id = st.id"
        return f"{sql} WHERE {where} ORDER BY {order} LIMIT :n OFFSET :o", args
    order = "st.size DESC, st.id DESC" if sort == "size" else f"{fresh}, st.size DESC, st.id DESC"
    return f"SELECT {cols} FROM stories st WHERE {where} ORDER BY {order} LIMIT :n OFFSET :o", args
