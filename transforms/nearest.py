"""Nearest neighbours of unit vectors (cosine = dot product). Pure: arrays in, arrays out.

Up to `EXACT` candidates are searched exactly, in blocks of queries, so memory stays at one
block × candidates. Above that, an HNSW graph (faiss) answers in about log n per query instead
of n; it is built on one thread, so the same vectors give the same neighbours every run.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import numpy as np

__all__ = ["EXACT", "BLOCK", "hnsw_index", "top_k", "earlier_top_k"]

EXACT = 4096  # candidates searched exactly (4096 x 4096 dot products take well under a second)
BLOCK = 1024  # queries per block of an exact search


@contextmanager
def hnsw_index(dim: int, k: int) -> Iterator[object]:
    """Yield an empty inner-product HNSW index of `dim` dimensions, tuned for k-nearest queries, built on one thread."""
    import faiss

    index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction, index.hnsw.efSearch = 80, max(64, 4 * k)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)  # one thread builds the same graph every time
    try:
        yield index
    finally:
        faiss.omp_set_num_threads(threads)


def top_k(vectors: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (indices, similarities), each queries × k, of every query row's k most similar other rows.

    Ties go to the lower index; a row never finds itself; -1 pads where there are fewer than k others.
    """
    n = len(vectors)
    if n <= EXACT:
        def block(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            sims = vectors[q] @ vectors.T
            sims[np.arange(len(q)), q] = -np.inf
            return _best(sims, k)
        return _exact(queries, k, block)
    found, sims = _empty(len(queries), k)
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    with hnsw_index(data.shape[1], k + 1) as index:
        index.add(data)
        got_sims, got = index.search(data[queries], min(k + 1, n))
    for r, q in enumerate(queries):
        keep = (got[r] >= 0) & (got[r] != q)
        row, row_sims = got[r][keep][:k], got_sims[r][keep][:k]
        found[r, :len(row)], sims[r, :len(row)] = row, row_sims
    return found, sims


def earlier_top_k(vectors: np.ndarray, day: np.ndarray, pool: np.ndarray, queries: np.ndarray,
                  k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (indices, similarities), each queries × k, of every query's k most similar pool rows of an earlier `day`.

    Same conventions as `top_k`. Exact up to `EXACT` pool rows; above, the pool is added to an
    HNSW index in day order, each day's queries searched before that day's rows are added, so
    only earlier rows can be found.
    """
    if len(pool) <= EXACT:
        def block(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            sims = np.where(day[pool][None, :] < day[q][:, None], vectors[q] @ vectors[pool].T, -np.inf)
            found, best = _best(sims, k)
            return np.where(found >= 0, pool[np.maximum(found, 0)], -1), best
        return _exact(queries, k, block)
    found, sims = _empty(len(queries), k)
    position = {int(q): r for r, q in enumerate(queries)}
    ordered = pool[np.argsort(day[pool], kind="stable")]
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    with hnsw_index(data.shape[1], k) as index:
        for days in np.split(ordered, np.flatnonzero(np.diff(day[ordered])) + 1):
            asked = [int(j) for j in days if int(j) in position]
            if asked and index.ntotal:
                got_sims, got = index.search(data[asked], min(k, index.ntotal))
                for j, row_sims, row in zip(asked, got_sims, got):
                    r, keep = position[j], row >= 0
                    found[r, :keep.sum()], sims[r, :keep.sum()] = row[keep], row_sims[keep]
            index.add(data[days])
    return found, sims


def _empty(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full((n, k), -1), np.full((n, k), -np.inf)


def _exact(queries: np.ndarray, k: int, block) -> tuple[np.ndarray, np.ndarray]:
    """Run `block(queries of one block) -> (found, sims)` over the queries, BLOCK at a time."""
    found, sims = _empty(len(queries), k)
    for start in range(0, len(queries), BLOCK):
        q = queries[start:start + BLOCK]
        found[start:start + len(q)], sims[start:start + len(q)] = block(q)
    return found, sims


def _best(sims: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's k best columns (ties to the lower column; -inf ones are no match: -1), padded to k."""
    found, best = _empty(len(sims), k)
    take = min(k, sims.shape[1])
    order = np.argsort(-sims, axis=1, kind="stable")[:, :take]
    got = np.take_along_axis(sims, order, axis=1)
    found[:, :take] = np.where(np.isneginf(got), -1, order)
    best[:, :take] = got
    return found, best
