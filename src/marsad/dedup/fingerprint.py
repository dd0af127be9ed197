"""Content fingerprints: an exact-content hash and a seeded MinHash signature with LSH band keys.

Everything here is deterministic across processes and machines (SHA-256 for the content hash,
rensa's Rust hasher for words, fixed splitmix64 mixing for shingles and band keys, a fixed MinHash
seed; never Python's salted ``hash()``), so fingerprints are stored once and each new article is
compared against the whole store incrementally. ``fingerprint_id()`` names the scheme, including
the rensa version, and the store refuses rows made with another one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version

import numpy as np
import rensa

from marsad.text.normalize import NORMALIZER_VERSION
from marsad.text.tokens import word_chunks, words

#: Bump when shingling, hashing or banding changes: stored fingerprints then go stale.
FINGERPRINT_VERSION = 1
#: Words per shingle. 3-word shingles make a light edit (a changed date, a dropped sentence)
#: cost few shingles while unrelated texts share almost none; on SaudiNewsNet the labelled
#: same-template telegrams to different countries still reach 0.34-0.41 (see NEAR_THRESHOLD).
SHINGLE_WORDS = 3
#: MinHash permutations: 128 gives a Jaccard estimate within about ±0.09 (2 sigma) at J=0.5.
NUM_PERM = 128
#: Fixed seed so signatures are reproducible across runs (the date of the first SaudiNewsNet day).
SEED = 20150721
#: LSH banding 32 bands x 4 rows: a pair at J=0.5 is a candidate with probability 0.88, at
#: J=0.6 0.988, at J=0.7 0.9998, at J=0.2 0.05; the S-curve threshold is (1/32)^(1/4) ~= 0.42, below NEAR_THRESHOLD.
BANDS = 32
ROWS = NUM_PERM // BANDS
#: Estimated Jaccard at or above which two articles are near duplicates. Chosen on the labelled
#: SaudiNewsNet sample (tests/data/pairs/near-duplicates.jsonl): all 32 pairs at >= 0.5 are edited
#: copies of one text; of the 16 at 0.3-0.5 only 8 are, and both press-release templates about
#: different events (telegrams to different countries, 0.34 and 0.41) sit there.
NEAR_THRESHOLD = 0.5


@lru_cache(maxsize=1)
def fingerprint_id() -> str:
    """Return the identity of the fingerprint scheme (stored in the store; a mismatch means re-derive)."""
    return (
        f"fp{FINGERPRINT_VERSION}-norm{NORMALIZER_VERSION}-rensa{version('rensa')}a{rensa.RMinHash.ALGORITHM_VERSION}"
        f"-k{SHINGLE_WORDS}-p{NUM_PERM}-s{SEED}-b{BANDS}"
    )


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """An article's exact-content hash, MinHash signature and LSH band keys."""

    content_hash: str
    signature: np.ndarray
    band_keys: tuple[int, ...]
    shingles: int

    def signature_bytes(self) -> bytes:
        """Return the signature as little-endian uint32 bytes (the stored form)."""
        return self.signature.astype("<u4").tobytes()


#: Words hashed per call when fingerprinting one text: a 10 MB page has 1.2 million words, and
#: holding them all as strings and then as Python ints took 120 MB; chunks bound that to ~5 MB.
HASH_CHUNK_WORDS = 65536


def _source(title: str | None, body: str) -> str:
    """Return the text an article is fingerprinted on: its body, or its title when the body has no words."""
    return body if next(word_chunks(body, 1), None) else title or ""


def content_words(title: str | None, body: str) -> list[str]:
    """Return the normalized words an article is fingerprinted on (the body; the title if no body)."""
    return words(_source(title, body))


def content_hash(ws: Sequence[str]) -> str:
    """Return the SHA-256 of normalized words joined by single spaces."""
    return hashlib.sha256(" ".join(ws).encode("utf-8")).hexdigest()


def text_hashes(title: str | None, body: str) -> tuple[str, np.ndarray]:
    """Return ``content_hash(content_words(...))`` and the 64-bit hashes of those words, read in
    chunks of HASH_CHUNK_WORDS so that memory stays bounded on any page."""
    sha = hashlib.sha256()
    parts: list[np.ndarray] = [np.zeros(0, dtype=np.uint64)]
    for chunk in word_chunks(_source(title, body), HASH_CHUNK_WORDS):
        sha.update(((" " if len(parts) > 1 else "") + " ".join(chunk)).encode("utf-8"))
        parts.append(np.asarray(rensa.RMinHash.hash_token_sets([chunk])[0], dtype=np.uint64))
    return sha.hexdigest(), np.concatenate(parts)


def shingles(ws: Sequence[str], k: int = SHINGLE_WORDS) -> list[str]:
    """Return the word k-shingles of ``ws`` as strings (the whole text as one if shorter than k)."""
    if len(ws) <= k:
        return [" ".join(ws)] if ws else []
    return [" ".join(ws[i : i + k]) for i in range(len(ws) - k + 1)]


# Odd 64-bit multipliers (from splitmix64) that mix word hashes into a position-aware shingle hash.
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


def shingle_hashes(h: np.ndarray, k: int = SHINGLE_WORDS) -> np.ndarray:
    """Return the distinct 64-bit hashes of the k-shingles of a word-hash sequence (vectorized, sorted)."""
    if len(h) == 0:
        return np.zeros(0, dtype=np.uint64)
    if len(h) <= k:
        k = len(h)
    n = len(h) - k + 1
    acc = np.zeros(n, dtype=np.uint64)
    for i in range(k):
        acc ^= h[i : i + n] * _MIX[i % len(_MIX)]
        acc = (acc << np.uint64(7)) | (acc >> np.uint64(57))
    return np.unique(acc)


def minhash(items: Sequence[str]) -> np.ndarray:
    """Return the seeded MinHash signature of a set of string items (used for titles and ad-hoc text)."""
    m = rensa.RMinHash(NUM_PERM, SEED)
    if items:
        m.update(list(items))
    return np.asarray(m.digest(), dtype=np.uint32)


def signatures(hash_sets: Sequence[np.ndarray]) -> np.ndarray:
    """Return the MinHash signatures (rows, uint32) of several shingle-hash sets in one call."""
    if not hash_sets:
        return np.zeros((0, NUM_PERM), dtype=np.uint32)
    offsets = np.zeros(len(hash_sets) + 1, dtype=np.uint64)
    offsets[1:] = np.cumsum([len(x) for x in hash_sets])
    flat = np.concatenate(hash_sets).astype(np.uint64) if offsets[-1] else np.zeros(0, dtype=np.uint64)
    rows = rensa.RMinHash.digest_matrix_from_flat_token_hashes(flat, offsets, NUM_PERM, SEED).to_rows()
    return np.asarray(rows, dtype=np.uint32).reshape(len(hash_sets), NUM_PERM)


def _mix64(x: np.ndarray) -> np.ndarray:
    # splitmix64 finalizer: a stable, well-spread 64-bit mix (no salt, same on every machine).
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    out: np.ndarray = x ^ (x >> np.uint64(31))
    return out


def band_key_matrix(sigs: np.ndarray) -> np.ndarray:
    """Return the LSH band keys (int64, one column per band) of signature rows."""
    bands = sigs.astype(np.uint64).reshape(len(sigs), BANDS, ROWS)
    acc = np.broadcast_to(_mix64(np.arange(1, BANDS + 1, dtype=np.uint64)), (len(sigs), BANDS)).copy()
    for r in range(ROWS):
        acc = _mix64(acc ^ bands[:, :, r])
    return acc.view(np.int64)


def band_keys(signature: np.ndarray) -> tuple[int, ...]:
    """Return one signed 64-bit key per LSH band (band number mixed in, so bands never collide)."""
    return tuple(int(k) for k in band_key_matrix(signature.reshape(1, -1))[0])


def fingerprints(items: Sequence[tuple[str | None, str]]) -> list[Fingerprint]:
    """Return the fingerprints of ``(title, body)`` items, MinHash computed for the batch at once."""
    hashed = [text_hashes(t, b) for t, b in items]
    sets = [shingle_hashes(h) for _, h in hashed]
    sigs = signatures(sets)
    keys = band_key_matrix(sigs).tolist()
    return [
        Fingerprint(digest, sig, tuple(k), len(hs))
        for (digest, _), hs, sig, k in zip(hashed, sets, sigs, keys, strict=True)
    ]


def fingerprint(title: str | None, body: str) -> Fingerprint:
    """Return the fingerprint of one article."""
    return fingerprints([(title, body)])[0]


def signature_from_bytes(data: bytes) -> np.ndarray:
    """Return a stored signature as a uint32 array."""
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


def estimate_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Return the MinHash estimate of the Jaccard similarity of two signatures."""
    return float(np.mean(a == b))
