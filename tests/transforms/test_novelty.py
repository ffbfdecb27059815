import numpy as np
import pandas as pd
import pytest

from transforms.embed import TfidfSvdEmbedder, make_embedder
from transforms.novelty import midrank_percentiles, work_novelty

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


def test_a_paper_citing_distant_literatures_is_more_novel_than_one_citing_a_close_knit_one():
    works = _works([
        {"work_id": "focused", "title": "Token mixing for vision transformers"},
        {"work_id": "bridging", "title": "A benchmark across physics, bandits and biology"},
    ])
    references = pd.DataFrame({"work_id": ["focused"] * 3 + ["bridging"] * 3,
                               "referenced_id": ["W1", "W2", "W3", "W4", "W5", "W6"]})
    out, _ = work_novelty(works, references, _refs(REF_TEXTS), TfidfSvdEmbedder())
    out = out.set_index("work_id")
    assert set(out["novelty_method"]) == {"cited_works"}
    assert list(out["novelty_basis"]) == [3, 3]
    assert out.loc["bridging", "novelty"] > out.loc["focused", "novelty"]


def test_too_few_cited_texts_fall_back_to_the_nearest_earlier_works_of_the_field():
    works = _works([
        {"work_id": "old1", "title": "Mixing images for data augmentation of classifiers", "publication_year": 2019},
        {"work_id": "old2", "title": "Pasting image patches to augment classifier training", "publication_year": 2020},
        {"work_id": "other-field", "title": "Mixing images", "field": "hep-ph", "publication_year": 2018},
        {"work_id": "new", "title": "Mixing image tokens to augment transformer training", "publication_year": 2022},
        {"work_id": "first", "title": "The first paper of its field", "field": "astro-ph", "publication_year": 2022},
        {"work_id": "untitled", "field": "CV", "publication_year": 2022},
    ])
    references = pd.DataFrame({"work_id": ["new"], "referenced_id": ["W1"]})  # one cited text is not enough
    out, _ = work_novelty(works, references, _refs(REF_TEXTS), TfidfSvdEmbedder(), nearest_earlier=3)
    out = out.set_index("work_id")
    assert out.loc["new", "novelty_method"] == "nearest_earlier_works"
    assert out.loc["new", "novelty_basis"] == 2  # old1, old2: earlier and same field; not the hep-ph one
    assert 0 <= out.loc["new", "novelty"] < 1
    assert out.loc["first", "novelty_method"] == "no_earlier_works" and pd.isna(out.loc["first", "novelty"])
    assert out.loc["untitled", "novelty_method"] == "insufficient_text"


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
