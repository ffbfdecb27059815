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
