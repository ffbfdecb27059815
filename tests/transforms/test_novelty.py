import numpy as np
import pandas as pd
import pytest

from transforms.embed import TfidfSvdEmbedder, make_embedder
from transforms.novelty import midrank_percentiles, novelty_percentiles, work_novelty

# Cited works: three on one narrow question, and three from far-apart literatures.
REF_TEXTS = {
    "W1": ("Mixing images for data augmentation", "Mixing two training images and their labels regularizes image classifiers."),
    "W2": ("Cutting and pasting image patches for augmentation", "Patches of one training image pasted into another regularize image classifiers."),
    "W3": ("Learned image augmentation policies", "Searching augmentation policies for training image classifiers improves accuracy."),
    "W4": ("Heavy quark production at hadron colliders", "Next-to-leading order QCD corrections to heavy quark pair cross sections."),
    "W5": ("Regret bounds for multi-armed bandits", "Upper confidence bound policies achieve logarithmic regret in bandit problems."),
    "W6": ("Protein folding from sequence", "Amino acid sequences determine the three-dimensional structure of proteins."),
}


def _refs(texts):
    return pd.DataFrame([{"openalex_id": k, "title": t, "abstract": a} for k, (t, a) in texts.items()])


def _works(rows):
    base = {"title": None, "abstract": None, "field": "CV", "published_on": None, "publication_year": 2022}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_a_paper_citing_distant_literatures_has_the_wider_spread():
    works = _works([
        {"work_id": "focused", "title": "Token mixing for vision transformers"},
        {"work_id": "bridging", "title": "A benchmark across physics, bandits and biology"},
    ])
    references = pd.DataFrame({"work_id": ["focused"] * 3 + ["bridging"] * 3,
                               "referenced_id": ["W1", "W2", "W3", "W4", "W5", "W6"]})
    out = work_novelty(works, references, _refs(REF_TEXTS), TfidfSvdEmbedder()).works.set_index("work_id")
    assert list(out["novelty_spread_basis"]) == [3, 3]
    assert out.loc["bridging", "novelty_spread"] > out.loc["focused", "novelty_spread"]


def test_novelty_is_the_distance_from_earlier_texts_with_its_own_references_left_out():
    refs = _refs(REF_TEXTS).assign(publication_year=[2015, 2016, 2017, 2010, 2011, 2012], work_id=None)
    works = _works([
        {"work_id": "old1", "title": "Mixing images for data augmentation of classifiers", "publication_year": 2019},
        {"work_id": "old2", "title": "Pasting image patches to augment classifier training", "publication_year": 2020},
        {"work_id": "new", "title": "Mixing image tokens to augment transformer training", "publication_year": 2022,
         "published_on": "2022-03-01"},
        {"work_id": "first", "title": "Heavy quark pairs", "field": "hep-ph", "publication_year": 2001},
        {"work_id": "untitled", "publication_year": 2022},
        {"work_id": "undated", "title": "Mixing images", "publication_year": None},
    ])
    references = pd.DataFrame({"work_id": ["new"], "referenced_id": ["W1"]})
    got = work_novelty(works, references, refs, TfidfSvdEmbedder(), nearest_earlier=3)
    out = got.works.set_index("work_id")
    assert out.loc["new", "novelty_method"] == "nearest_earlier_works" and out.loc["new", "novelty_basis"] == 3
    assert 0 <= out.loc["new", "novelty"] < 1
    mine = got.neighbours[got.neighbours["work_id"] == "new"]
    assert list(mine["rank"]) == [1, 2, 3]
    assert "W1" not in set(mine["neighbour_id"])  # the paper's own reference is not what it is compared with
    assert set(mine["neighbour_id"]) <= {"old1", "old2", "W2", "W3", "W4", "W5", "W6"}  # earlier texts only
    assert set(mine["neighbour_kind"]) == {"work", "cited_work"}
    assert out.loc["new", "novelty"] == pytest.approx(1 - mine["similarity"].mean(), abs=1e-3)
    assert out.loc["first", "novelty_method"] == "no_earlier_works" and pd.isna(out.loc["first", "novelty"])
    assert out.loc["untitled", "novelty_method"] == "insufficient_text"
    assert out.loc["undated", "novelty_method"] == "no_date"
    # The cited works get the same measure and a field (their citing work's), so they can be a cohort.
    assert set(got.cited["openalex_id"]) == set(REF_TEXTS)
    assert got.cited.set_index("openalex_id").loc["W1", "field"] == "CV"
    assert got.cited["novelty"].notna().all()  # each has an earlier text ("first", 2001, at least)


def test_a_cited_work_that_is_a_stored_work_is_one_text_not_two():
    refs = _refs({"W1": REF_TEXTS["W1"]}).assign(publication_year=[2019], work_id=["old1"])
    works = _works([
        {"work_id": "old1", "title": REF_TEXTS["W1"][0], "abstract": REF_TEXTS["W1"][1], "publication_year": 2019},
        {"work_id": "new", "title": "Mixing image tokens", "publication_year": 2022},
    ])
    got = work_novelty(works, pd.DataFrame({"work_id": ["new"], "referenced_id": ["W1"]}), refs, TfidfSvdEmbedder())
    assert len(got.cited) == 0
    assert got.works.set_index("work_id").loc["new", "novelty_method"] == "no_earlier_works"  # old1 is its own reference


def test_novelty_is_ranked_in_the_narrowest_cohort_large_enough():
    works = pd.DataFrame({"field": ["CV", "CV", "RL", "RL", "CV"], "publication_year": [2022, 2020, 2022, 2022, 2022],
                          "novelty": [0.2, 0.9, 0.5, None, 0.8]})
    cited = pd.DataFrame({"field": ["CV"] * 8 + ["RL"] * 2 + ["CV"] * 2, "publication_year": [2022] * 10 + [2018, 2010],
                          "novelty": [0.1, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, None, 0.1, 0.2, 0.3, 0.4]})
    out = novelty_percentiles(works, cited, min_cohort=5)
    assert list(out["novelty_cohort"][:3]) == ["CV, 2022", "CV, 2018–2022", "RL, any year"]
    assert list(out["novelty_cohort_size"][:3]) == [9, 11, 3]  # same year: 2 works + 7 cited with a value
    assert out["novelty_pct"][0] == pytest.approx(100 * 1.5 / 9, abs=0.1)
    assert out["novelty_pct"][4] == pytest.approx(100 * (7 + 1) / 9, abs=0.1)  # ties with the cited 0.8: half each
    assert pd.isna(out["novelty_pct"][2])  # three texts of its field in all: not enough
    assert pd.isna(out["novelty_pct"][3]) and pd.isna(out["novelty_cohort"][3])  # no value: not ranked


def test_midrank_percentiles_golden_and_by_cohort():
    pct, size = midrank_percentiles(pd.Series([10.0, 20.0, 20.0, 30.0]))
    assert list(pct) == [12.5, 50.0, 50.0, 87.5] and list(size) == [4, 4, 4, 4]
    groups = pd.DataFrame({"field": ["CV", "CV", "RL", None, None], "year": [2022, 2022, 2022, 2021, 2021]})
    pct, size = midrank_percentiles(pd.Series([1.0, 3.0, 7.0, 2.0, None]), groups)
    assert list(pct[:4]) == [25.0, 75.0, 50.0, 50.0]  # a cohort of one sits in the middle
    assert list(size[:4]) == [2, 2, 1, 1]
    assert pd.isna(pct[4]) and pd.isna(size[4])


def test_embeddings_are_unit_vectors_and_unknown_embedders_are_refused():
    v = TfidfSvdEmbedder().embed([t + ". " + a for t, a in REF_TEXTS.values()] + [""])
    norms = np.linalg.norm(v, axis=1)
    assert np.allclose(norms[:-1], 1.0) and norms[-1] == 0.0
    with pytest.raises(ValueError, match="unknown embedder 'word2vec'"):
        make_embedder("word2vec")


def test_a_hashing_vector_depends_on_its_text_alone_and_the_cache_embeds_each_text_once():
    from transforms.embed import CachedEmbedder, HashingEmbedder, text_key

    texts = [t + ". " + a for t, a in REF_TEXTS.values()]
    alone = HashingEmbedder().embed(texts[:1])
    together = HashingEmbedder().embed(texts)
    assert np.allclose(alone[0], together[0]) and np.allclose(np.linalg.norm(together, axis=1), 1.0)
    cached = CachedEmbedder(HashingEmbedder(), {})
    first = cached.embed(texts + texts[:2])
    assert sorted(cached.new) == sorted(text_key(t) for t in texts)  # each text once, duplicates too
    again = CachedEmbedder(HashingEmbedder(), dict(cached.new))
    assert np.array_equal(again.embed(texts), first[:len(texts)]) and again.new == {}
