"""Nearest neighbours of unit vectors (cosine = dot product). Pure: arrays in, arrays out.

Up to `EXACT` candidates are searched exactly, in blocks of queries, so memory stays at one
block × candidates. Above that, an HNSW graph (faiss) answers in about log n per query instead
of n; it is built on one thread, so the same vectors give the same neighbours every run.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import numpy as np

__all__ = ["EXACT", "BLOCK", "hnsw_index", "top_k"]

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
    n, k = len(vectors), int(k)
    found, sims = np.full((len(queries), k), -1), np.full((len(queries), k), -np.inf)
    if n < 2 or not len(queries) or k < 1:
        return found, sims
    if n <= EXACT:
        for start in range(0, len(queries), BLOCK):
            q = queries[start:start + BLOCK]
            block = vectors[q] @ vectors.T
            block[np.arange(len(q)), q] = -np.inf
            take = min(k, n - 1)
            order = np.argsort(-block, axis=1, kind="stable")[:, :take]
            found[start:start + len(q), :take] = order
            sims[start:start + len(q), :take] = np.take_along_axis(block, order, axis=1)
        return found, sims
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    with hnsw_index(data.shape[1], k + 1) as index:
        index.add(data)
        got_sims, got = index.search(data[queries], min(k + 1, n))
    for r, q in enumerate(queries):
        keep = (got[r] >= 0) & (got[r] != q)
        row, row_sims = got[r][keep][:k], got_sims[r][keep][:k]
        found[r, :len(row)], sims[r, :len(row)] = row, row_sims
    return found, sims
