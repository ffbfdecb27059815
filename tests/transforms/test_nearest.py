import numpy as np

import transforms.nearest as nearest


def _clustered(n, dim=32, seed=3):
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(40, dim))[rng.integers(0, 40, n)] + 0.6 * rng.normal(size=(n, dim))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_exact_neighbours_never_include_the_row_itself_and_pad_when_there_are_few():
    v = _clustered(3)
    found, sims = nearest.top_k(v, np.array([0, 2]), 5)
    assert 0 not in found[0] and 2 not in found[1]
    assert list(found[0][2:]) == [-1, -1, -1] and np.all(np.isneginf(sims[:, 2:]))
    assert np.all(np.diff(sims[:, :2], axis=1) <= 0)  # best first


def test_the_index_finds_what_the_exact_search_finds_on_a_large_set(monkeypatch):
    v = _clustered(6000)
    queries = np.arange(0, 6000, 10)
    exact_found, exact_sims = nearest.top_k(v, queries, 8)
    monkeypatch.setattr(nearest, "EXACT", 100)
    found, sims = nearest.top_k(v, queries, 8)
    recall = np.mean([len(set(a) & set(b)) / 8 for a, b in zip(found, exact_found)])
    assert recall >= 0.95 and not np.any(found == queries[:, None])
    assert np.allclose(np.sort(sims, axis=1)[:, -1], np.sort(exact_sims, axis=1)[:, -1], atol=1e-5)
    again, _ = nearest.top_k(v, queries, 8)
    assert np.array_equal(again, found)  # the same neighbours every run


def _mean_and_count(found, sims):
    """What novelty reads of the nearest earlier works: the mean similarity of those found, and how many."""
    hits = [row_sims[row >= 0] for row, row_sims in zip(found, sims)]
    return np.array([h.mean() if len(h) else 0.0 for h in hits]), np.array([len(h) for h in hits])


def test_the_index_search_of_earlier_works_finds_what_the_exact_search_finds(monkeypatch):
    # 5,000 works of one field in 40 topics over ~14 years: the HNSW path (used above EXACT works)
    # agrees with the exact masked product, and only ever finds earlier works.
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(40, 32))
    vectors = centres[rng.integers(0, 40, 5000)] + 0.6 * rng.normal(size=(5000, 32))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    day = rng.integers(0, 5000, 5000).astype(float)
    pool, queries = np.arange(5000), rng.choice(5000, 600, replace=False)
    exact = _mean_and_count(*nearest.earlier_top_k(vectors, day, pool, queries, 3))
    monkeypatch.setattr(nearest, "EXACT", 100)
    indexed = _mean_and_count(*nearest.earlier_top_k(vectors, day, pool, queries, 3))
    assert list(indexed[1]) == list(exact[1])  # as many earlier works found (3, or fewer for the first days)
    assert np.mean(np.abs(indexed[0] - exact[0]) < 1e-6) >= 0.95 and np.max(exact[0] - indexed[0]) < 0.05
    assert np.all(indexed[0] <= exact[0] + 1e-6)  # never nearer than the true nearest: nothing later was found
    again = _mean_and_count(*nearest.earlier_top_k(vectors, day, pool, queries, 3))
    assert np.array_equal(again[0], indexed[0])  # the same scores every run
