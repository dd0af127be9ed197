"""Retrying a transaction that lost a deadlock or serialization conflict with another writer.

PostgreSQL aborts one transaction of a deadlock (SQLSTATE 40P01) or of a serialization conflict
(40001) and expects the client to run it again. Marsad's writes are idempotent (content keys,
``ON CONFLICT``), so running a rolled-back unit of work again is always safe.

``add_page`` retries a page by itself on PostgreSQL. Callers that run a whole transaction of their
own (the dedup + stories stage, a batch) wrap it in :func:`run_transaction`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from marsad.store.base import Store

#: SQLSTATEs PostgreSQL asks clients to retry: serialization_failure, deadlock_detected.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
#: Tries of one transaction before the error is passed on.
ATTEMPTS = 5
#: Upper bound (seconds) of the random pause before retry n, multiplied by n. Short next to the
#: 1 s deadlock_timeout after which PostgreSQL looks for deadlocks; random so two writers that
#: collided do not retry in lockstep.
RETRY_PAUSE = 0.2

T = TypeVar("T")


def is_retryable(exc: BaseException) -> bool:
    """Return True for a deadlock or serialization failure (checked by SQLSTATE: no psycopg import needed;
    SQLAlchemy's wrapper is looked through)."""
    return getattr(getattr(exc, "orig", exc), "sqlstate", None) in RETRYABLE_SQLSTATES


def run_transaction(store: Store, work: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run ``work`` between ``store.begin()`` and ``store.commit()``, again after a retryable conflict.

    Any other error rolls back and propagates. ``work`` must be safe to run again from the start
    (it sees the state the rolled-back attempt left, i.e. the state before it).
    """
    for attempt in range(1, attempts + 1):
        store.begin()
        try:
            result = work()
            store.commit()
            return result
        except Exception as exc:
            store.rollback()
            if not is_retryable(exc) or attempt == attempts:
                raise
            time.sleep(random.uniform(0.0, RETRY_PAUSE * attempt))
        except BaseException:
            store.rollback()
            raise
    raise AssertionError("unreachable")  # pragma: no cover
