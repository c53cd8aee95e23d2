"""Dense embeddings: OpenAI `text-embedding-3-small` when a key is set, else a deterministic
Kiwi-morpheme feature-hashing embedding that needs no model download.

Both are registered Chroma embedding functions so Chroma never falls back to its default (which
would download an ONNX model).
"""

from __future__ import annotations

import math
import zlib
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from ktcs_desktop.core.retrieval.text import tokenize

HASH_DIM = 512


def hash_features(text: str) -> list[tuple[str, float]]:
    """Weighted features: morpheme unigrams, adjacent bigrams and char 2/3-grams of Hangul terms."""
    terms = tokenize(text)
    features: list[tuple[str, float]] = [(f"u:{t}", 1.0) for t in terms]
    features += [(f"b:{a}|{b}", 0.7) for a, b in zip(terms, terms[1:], strict=False)]
    for term in terms:
        if len(term) >= 2 and not term.isascii():
            padded = f"<{term}>"
            features += [(f"c:{padded[i:i + 3]}", 0.3) for i in range(len(padded) - 2)]
    return features


def hash_embed(text: str, dim: int = HASH_DIM) -> list[float]:
    """L2-normalised signed feature hashing of `text` (crc32 → bucket and sign; deterministic)."""
    vector = np.zeros(dim, dtype=np.float64)
    for feature, weight in hash_features(text):
        digest = zlib.crc32(feature.encode("utf-8"))
        sign = 1.0 if digest & 0x8000_0000 else -1.0
        vector[digest % dim] += sign * weight
    norm = math.sqrt(float(vector @ vector))
    if norm > 0:
        vector /= norm
    return vector.astype(np.float32).tolist()


@register_embedding_function
class KiwiHashEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma embedding function over `hash_embed`."""

    def __init__(self, dim: int = HASH_DIM) -> None:
        self.dim = dim

    def __call__(self, input: Documents) -> Embeddings:
        return [np.asarray(hash_embed(text, self.dim), dtype=np.float32) for text in input]

    @staticmethod
    def name() -> str:
        return "ktcs-kiwi-hash"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"dim": self.dim}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> KiwiHashEmbeddingFunction:
        return KiwiHashEmbeddingFunction(int(config.get("dim", HASH_DIM)))


@register_embedding_function
class OpenAIEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma embedding function over the OpenAI embeddings API (settings' key, URL, model)."""

    def __init__(self, model: str = "text-embedding-3-small", api_key: str | None = None,
                 base_url: str | None = None, timeout: float = 30.0, max_retries: int = 2) -> None:
        self.model = model
        self._api_key = api_key
        self._base_url = base_url
        self._timeout = timeout
        self._max_retries = max_retries
        self._client = None

    def _openai(self):
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(api_key=self._api_key or "unused", base_url=self._base_url,
                                  timeout=self._timeout, max_retries=self._max_retries)
        return self._client

    def __call__(self, input: Documents) -> Embeddings:
        out: list[np.ndarray] = []
        for start in range(0, len(input), 64):
            response = self._openai().embeddings.create(model=self.model, input=list(input[start:start + 64]),
                                                        encoding_format="float")
            out += [np.asarray(item.embedding, dtype=np.float32) for item in response.data]
        return out

    def embed_query(self, input: Documents) -> Embeddings:
        """Queries are what agents and callers said: redacted before they leave the PC."""
        from ktcs_desktop.core.privacy import redact

        return self.__call__([redact(text) for text in input])

    @staticmethod
    def name() -> str:
        return "ktcs-openai"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"model": self.model}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> OpenAIEmbeddingFunction:
        return OpenAIEmbeddingFunction(str(config.get("model", "text-embedding-3-small")))


def embedding_function_for(settings) -> EmbeddingFunction:
    """OpenAI when the settings carry a key, else the offline hashing embedder."""
    if settings.openai_api_key is not None:
        return OpenAIEmbeddingFunction(
            settings.ktcs_embedding_model, settings.openai_api_key.get_secret_value(),
            settings.openai_base_url, settings.ktcs_llm_timeout, settings.ktcs_llm_max_retries,
        )
    return KiwiHashEmbeddingFunction()
