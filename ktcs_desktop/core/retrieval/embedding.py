"""Dense embeddings: an OpenAI(-compatible) embeddings endpoint when one is configured *and
answers a probe* with usable vectors, else a deterministic morpheme feature-hashing
embedding that needs no model download.

The probe (`probe_embeddings`, once per server and model in a process) catches servers without
`/v1/embeddings` (404), servers that answer with per-token vectors (llama.cpp on chat models)
and unreachable ones, so the index is built offline instead of failing.

Neither needs Chroma: the search reads the index's vectors file with numpy. Where a Chroma
collection is built or queried (`store.chroma_embedding_function`) they are wrapped as registered
Chroma embedding functions, so Chroma never falls back to its default (which would download an
ONNX model).
"""

from __future__ import annotations

import logging
import math
import threading
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from ktcs_desktop.core.retrieval.text import tokenize

log = logging.getLogger(__name__)

Documents = list[str]
Embeddings = list[np.ndarray]
HASH_DIM = 512
PROBE_TEXT = "요금제 데이터"


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


class MorphHashEmbeddingFunction:
    """Embedding function over `hash_embed` (Chroma's protocol: name, get_config, build_from_config)."""

    def __init__(self, dim: int = HASH_DIM) -> None:
        self.dim = dim

    def __call__(self, input: Documents) -> Embeddings:
        return [np.asarray(hash_embed(text, self.dim), dtype=np.float32) for text in input]

    def embed_query(self, input: Documents) -> Embeddings:
        return self(input)

    @staticmethod
    def name() -> str:
        return "ktcs-morph-hash"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"dim": self.dim}

    @classmethod
    def build_from_config(cls, config: dict[str, Any]) -> MorphHashEmbeddingFunction:
        return cls(int(config.get("dim", HASH_DIM)))


class OpenAIEmbeddingFunction:
    """Embedding function over the OpenAI embeddings API (settings' key, URL, model)."""

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

    @classmethod
    def build_from_config(cls, config: dict[str, Any]) -> OpenAIEmbeddingFunction:
        return cls(str(config.get("model", "text-embedding-3-small")))


@dataclass(frozen=True)
class EmbeddingProbe:
    ok: bool
    reason: str  # Korean, for 기능 상태
    dim: int = 0


_PROBES: dict[tuple[str, str], EmbeddingProbe] = {}
_PROBE_LOCK = threading.Lock()


def forget_probes() -> None:
    with _PROBE_LOCK:
        _PROBES.clear()


def cached_probe(endpoint) -> EmbeddingProbe | None:
    """The probe already made for `endpoint` this session, if any (no network)."""
    with _PROBE_LOCK:
        return _PROBES.get((endpoint.where, endpoint.model))


def probe_embeddings(endpoint, timeout: float = 2.0, *, fresh: bool = False) -> EmbeddingProbe:
    """Ask `endpoint` for one embedding; ok only for a flat vector of numbers. Cached per process."""
    key = (endpoint.where, endpoint.model)
    with _PROBE_LOCK:
        if not fresh and key in _PROBES:
            return _PROBES[key]
    result = _probe(endpoint, timeout)
    with _PROBE_LOCK:
        _PROBES[key] = result
    if not result.ok:
        log.warning("embeddings at %s (%s) unusable, using offline hashing: %s", endpoint.where, endpoint.model,
                    result.reason)
    return result


def _probe(endpoint, timeout: float) -> EmbeddingProbe:
    import openai

    from ktcs_desktop.core.assistant.llm_client import error_body, probe_client, server_reason

    client = openai.OpenAI(api_key=endpoint.key, base_url=endpoint.base_url, timeout=timeout, max_retries=0,
                           http_client=probe_client(endpoint.base_url, timeout))
    try:
        response = client.embeddings.create(model=endpoint.model, input=[PROBE_TEXT], encoding_format="float")
        vector = response.data[0].embedding if response.data else None
    except openai.APIStatusError as exc:
        detail = server_reason(error_body(exc))
        log.info("embeddings probe %s: %s %s", endpoint.where, exc.status_code, detail)
        return EmbeddingProbe(False, f"임베딩 미지원 ({exc.status_code})")
    except openai.APIError as exc:
        log.info("embeddings probe %s failed: %r", endpoint.where, exc)
        return EmbeddingProbe(False, "임베딩 서버 연결 실패")
    except Exception as exc:  # noqa: BLE001 - odd bodies (per-token vectors) fail to parse
        log.info("embeddings probe %s: unusable answer %r", endpoint.where, exc)
        return EmbeddingProbe(False, "임베딩 응답 형식 오류")
    finally:
        client.close()
    if not isinstance(vector, list) or not vector or not all(isinstance(v, int | float) for v in vector):
        return EmbeddingProbe(False, "문장 벡터가 아닌 응답 (토큰별 벡터 등)")
    return EmbeddingProbe(True, "사용 가능", len(vector))


def online_embedding_function(settings) -> OpenAIEmbeddingFunction | None:
    """The configured embeddings endpoint if it passes the probe, else None."""
    endpoint = settings.embedding_endpoint
    if endpoint is None:
        return None
    if not probe_embeddings(endpoint, settings.ktcs_probe_timeout).ok:
        return None
    return OpenAIEmbeddingFunction(endpoint.model, endpoint.api_key, endpoint.base_url, settings.ktcs_llm_timeout,
                                   settings.ktcs_llm_max_retries)


def embedding_function_for(settings) -> MorphHashEmbeddingFunction | OpenAIEmbeddingFunction:
    """The probed embeddings endpoint when it works, else the offline hashing embedder."""
    return online_embedding_function(settings) or MorphHashEmbeddingFunction()
