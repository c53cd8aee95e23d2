"""`KnowledgeBase`: hybrid search (BM25 over MeCab-ko morphemes + dense vectors, fused by reciprocal
rank) over plan cards, product-page chunks and rules, with eligibility/price filters.

Dense search is exact cosine over the index's dense.npy with numpy; Chroma is queried only for a
KTCS_CHROMA_URL server (or an index built before dense.npy existed). bm25s, numpy and MeCab are
imported on first use, so importing this module (as the window does, for `SearchFilters`) is cheap."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ktcs_desktop.core.catalog import PlanCatalog, given
from ktcs_desktop.core.errors import CapabilityUnavailableError, InvalidInputError, KtcsError
from ktcs_desktop.core.retrieval import store
from ktcs_desktop.core.retrieval.documents import KnowledgeDoc

if TYPE_CHECKING:
    from ktcs_desktop.core.retrieval.embedding import MorphHashEmbeddingFunction, OpenAIEmbeddingFunction

log = logging.getLogger(__name__)

RRF_K = 60
CANDIDATES = 40
RESOLVER_WEIGHT = 2.0
MODES = ("hybrid", "bm25", "dense")
_FIRST_BUILD_LOCK = threading.Lock()


class IndexBuildReport(Protocol):
    """What an index builder reports (`ktcs_desktop.ingestion.IngestReport` is one)."""

    @property
    def ok(self) -> bool: ...

    @property
    def message(self) -> str: ...


# `build_index(settings, offline=True)`: fetches/parses the pages and swaps in a new index version.
# Core never imports ingestion (which imports core): the composition root (`ktcs_desktop.context`)
# passes ingestion's builder in, or installs it as the default with `set_index_builder`.
IndexBuilder = Callable[..., IndexBuildReport]
_default_builder: IndexBuilder | None = None


def set_index_builder(builder: IndexBuilder | None) -> None:
    """Install the builder `open()` uses when no index exists yet and the caller passed none."""
    global _default_builder
    _default_builder = builder


def index_builder() -> IndexBuilder:
    if _default_builder is None:
        raise IndexUnavailableError(detail="no index builder installed (ktcs_desktop.context.install())")
    return _default_builder


class IndexUnavailableError(KtcsError):
    user_message = "요금제 검색 색인을 열 수 없습니다. 도구 → 요금제 정보 새로고침을 실행해 주세요."


@dataclass(frozen=True)
class SearchFilters:
    """Who is asking and what they want; plans the caller cannot take are never returned."""

    age: int | None = None
    is_foreigner: bool = False
    is_welfare: bool = False
    max_fee: int | None = None
    min_fee: int | None = None
    unlimited_only: bool = False
    families: tuple[str, ...] = ()

    def allows(self, meta: dict) -> bool:
        """The same test as `where()`, on a document's metadata."""
        if self.age is not None and not (int(meta["min_age"]) <= self.age <= int(meta["max_age"])):
            return False
        if meta["foreigner_only"] and not self.is_foreigner:
            return False
        if meta["welfare_only"] and not self.is_welfare:
            return False
        if self.max_fee is not None and int(meta["monthly_fee"]) > self.max_fee:
            return False
        if self.min_fee is not None and int(meta["fee_max"]) < self.min_fee:
            return False
        if self.unlimited_only and not meta["is_unlimited"]:
            return False
        return not (self.families and meta["family"] not in self.families)

    def where(self) -> dict | None:
        """Chroma metadata filter equivalent to `allows`."""
        conds: list[dict] = []
        if self.age is not None:
            conds += [{"min_age": {"$lte": self.age}}, {"max_age": {"$gte": self.age}}]
        if not self.is_foreigner:
            conds.append({"foreigner_only": False})
        if not self.is_welfare:
            conds.append({"welfare_only": False})
        if self.max_fee is not None:
            conds.append({"monthly_fee": {"$lte": self.max_fee}})
        if self.min_fee is not None:
            conds.append({"fee_max": {"$gte": self.min_fee}})
        if self.unlimited_only:
            conds.append({"is_unlimited": True})
        if self.families:
            conds.append({"family": {"$in": list(self.families)}})
        if not conds:
            return None
        return conds[0] if len(conds) == 1 else {"$and": conds}


def _built_for(directory: Path, catalog_hash: str | None) -> bool:
    """The index in `directory` was built from the catalog version `catalog_hash` (None: any) with
    this analyser's terms (an index from another analyser would meet queries on other terms)."""
    from ktcs_desktop.core.retrieval.text import analyzer_id

    try:
        manifest = json.loads((directory / store.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if manifest.get("analyzer") != analyzer_id():
        return False
    return catalog_hash is None or bool(manifest.get("catalog_hash") == catalog_hash)


class LiveIndex:
    """The open index that follows the catalog in use: owned by `Services` (and by the knowledge
    worker), handed to whoever searches. `current()` reopens after a refresh swapped in a new
    index and rebuilds (offline, from the shipped pages) when a new catalog version was approved;
    when neither changed it returns the open instance (one stat and one pointer read)."""

    def __init__(self, settings: Any, catalog: Callable[[], PlanCatalog], *,
                 catalog_hash: Callable[[], str | None] = lambda: None,
                 build_index: IndexBuilder | None = None) -> None:
        self.settings = settings
        self._catalog = catalog
        self._catalog_hash = catalog_hash
        self.build_index = build_index
        self._open: KnowledgeBase | None = None
        self._lock = threading.Lock()

    def current(self) -> KnowledgeBase:
        catalog = self._catalog()
        digest = self._catalog_hash()
        directory = store.current_version_dir(self.settings)
        with self._lock:
            kb = self._open
            if kb is not None and kb.directory == directory and kb.catalog is catalog:
                return kb
            self._open = KnowledgeBase.open(self.settings, catalog=catalog, build_index=self.build_index,
                                            catalog_hash=digest or None)
            return self._open

    __call__ = current


class _NoFilters(SearchFilters):
    """`filters=None`: every document qualifies (foreigner/welfare-only plans included)."""

    def allows(self, meta: dict) -> bool:
        return True

    def where(self) -> dict | None:
        return None


_NO_FILTERS = _NoFilters()


@dataclass(frozen=True)
class SearchHit:
    plan_id: str | None
    title: str
    text: str
    score: float
    source: str
    kind: str  # "plan" | "page" | "rule" | "addon"
    doc_id: str = ""  # "plan:5g-basic", "addon:netflix-standard", "rule:plan-change"


class KnowledgeBase:
    """A read-only view of one index version; `open()` builds the shipped index when none exists."""

    def __init__(self, settings: Any, directory: Path, catalog: PlanCatalog | None = None) -> None:
        self.settings = settings
        self.directory = directory
        self.catalog = given(catalog, "KnowledgeBase")
        try:
            self.manifest = json.loads((directory / store.MANIFEST).read_text(encoding="utf-8"))
            with (directory / store.DOCS).open(encoding="utf-8") as fh:
                self.docs = [KnowledgeDoc(**json.loads(line)) for line in fh if line.strip()]
            import bm25s

            self._bm25 = bm25s.BM25.load(str(directory / "bm25"))
        except (OSError, ValueError, KeyError) as exc:
            raise IndexUnavailableError(detail=f"{directory}: {exc}") from exc
        self._by_id = {doc.id: i for i, doc in enumerate(self.docs)}
        self._plan_doc = {doc.plan_id: i for i, doc in enumerate(self.docs) if doc.kind == "plan"}
        self._ef = self._embedding_function()
        self._collection = None
        self._vectors: Any = None  # dense.npy, loaded on the first dense search
        self._lock = threading.Lock()

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def open(cls, settings: Any, *, catalog: PlanCatalog | None = None, build_index: IndexBuilder | None = None,
             catalog_hash: str | None = None) -> KnowledgeBase:
        """The live index for `catalog`; without one (or, given `catalog_hash`, when the live one was
        built for another catalog version) it is built offline from the shipped pages and `catalog`
        with `build_index` (default: the builder the composition root installed)."""
        directory = store.current_version_dir(settings)
        if directory is None or not _built_for(directory, catalog_hash):
            with _FIRST_BUILD_LOCK:  # two first users (assistant, catalog) must not build twice
                directory = store.current_version_dir(settings)
                if directory is None or not _built_for(directory, catalog_hash):
                    directory = cls._build_shipped(settings, build_index or index_builder(),
                                                   given(catalog, "KnowledgeBase.open"), catalog_hash)
        return cls(settings, directory, catalog)

    @staticmethod
    def _build_shipped(settings: Any, build_index: IndexBuilder, catalog: PlanCatalog,
                       catalog_hash: str | None) -> Path:
        log.info("building the index for catalog %s", (catalog_hash or "?")[:12])
        report = build_index(settings, offline=True, catalog=catalog, catalog_hash=catalog_hash)
        if not report.ok:
            raise IndexUnavailableError(detail=report.message)
        directory = store.current_version_dir(settings)
        if directory is None:
            raise IndexUnavailableError(detail="index build left no current version")
        return directory

    def _embedding_function(self) -> MorphHashEmbeddingFunction | OpenAIEmbeddingFunction | None:
        from ktcs_desktop.core.retrieval.embedding import (
            MorphHashEmbeddingFunction,
            OpenAIEmbeddingFunction,
            online_embedding_function,
        )

        name = self.manifest.get("embedding")
        config = self.manifest.get("embedding_config") or {}
        if name == MorphHashEmbeddingFunction.name():
            return MorphHashEmbeddingFunction.build_from_config(config)
        if name == OpenAIEmbeddingFunction.name():
            ef = online_embedding_function(self.settings)
            if ef is not None and ef.model == config.get("model", ef.model):
                return ef
        return None  # built with an embeddings server that is gone now: dense off, BM25 still works

    def _chroma(self) -> Any:  # chromadb Collection
        with self._lock:
            if self._collection is None:
                client = store.chroma_client(self.settings, self.directory)
                self._collection = client.get_collection(
                    self.manifest["collection"], embedding_function=store.chroma_embedding_function(self._ef))
            return self._collection

    def _dense_vectors(self) -> Any:
        """The documents' unit vectors (numpy), or None: a Chroma server, or an index without dense.npy."""
        if self.settings.ktcs_chroma_url or not self.manifest.get("dense"):
            return None
        with self._lock:
            if self._vectors is None:
                import numpy as np

                try:
                    vectors = np.load(self.directory / self.manifest["dense"], allow_pickle=False)
                except (OSError, ValueError) as exc:
                    raise IndexUnavailableError(detail=f"{self.directory}: {exc}") from exc
                if vectors.ndim != 2 or vectors.shape[0] != len(self.docs):
                    raise IndexUnavailableError(detail=f"dense vectors {vectors.shape} for {len(self.docs)} docs")
                self._vectors = vectors
            return self._vectors

    @property
    def dense_available(self) -> bool:
        return self._ef is not None

    # -- search --------------------------------------------------------------------------------
    def search(self, query: str, *, k: int = 5, filters: SearchFilters | None = None,
               mode: str = "hybrid") -> list[SearchHit]:
        """Best `k` documents for `query`, excluding those `filters` rule out."""
        if mode not in MODES:
            raise InvalidInputError(f"검색 방식은 {', '.join(MODES)} 중 하나여야 합니다: {mode}")
        query = query.strip()
        if not query or k <= 0:
            return []
        filters = filters or _NO_FILTERS
        if mode == "bm25":
            ranked = self._bm25_ranking(query, filters)
            scores = dict(ranked)
            return [self._hit(i, scores[i]) for i, _ in ranked[:k]]
        if mode == "dense":
            if not self.dense_available:
                raise CapabilityUnavailableError("의미 검색을 할 수 없습니다: 색인을 만든 임베딩 서버를 지금 쓸 수 없습니다.")
            ranked = self._dense_ranking(query, filters)
            return [self._hit(i, s) for i, s in ranked[:k]]
        fused: dict[int, float] = {}
        lists = [(self._bm25_ranking(query, filters), 1.0)]
        if self.dense_available:
            try:
                lists.append((self._dense_ranking(query, filters), 1.0))
            except Exception as exc:  # noqa: BLE001 - a failed dense side never takes keyword search down
                log.warning("dense search failed, keyword search only from now on: %r", exc)
                self._ef = None
        lists.append((self._resolver_ranking(query, filters), RESOLVER_WEIGHT))
        for ranking, weight in lists:
            for rank, (i, _score) in enumerate(ranking):
                fused[i] = fused.get(i, 0.0) + weight / (RRF_K + rank + 1)
        order = sorted(fused, key=lambda i: (-fused[i], i))
        return [self._hit(i, fused[i]) for i in order[:k]]

    def _hit(self, i: int, score: float) -> SearchHit:
        doc = self.docs[i]
        return SearchHit(plan_id=doc.plan_id, title=doc.title, text=doc.text, score=float(score),
                         source=doc.source, kind=doc.kind, doc_id=doc.id)

    def _bm25_ranking(self, query: str, filters: SearchFilters) -> list[tuple[int, float]]:
        import numpy as np

        from ktcs_desktop.core.retrieval.text import tokenize

        terms = list(tokenize(query))
        if not terms:
            return []
        scores = self._bm25.get_scores(terms)
        order = np.argsort(-scores, kind="stable")
        out: list[tuple[int, float]] = []
        for i in order:
            if scores[i] <= 0 or len(out) >= CANDIDATES:
                break
            if filters.allows(self.docs[i].metadata):
                out.append((int(i), float(scores[i])))
        return out

    def _dense_ranking(self, query: str, filters: SearchFilters) -> list[tuple[int, float]]:
        if self._ef is None:  # callers check dense_available first
            raise CapabilityUnavailableError("의미 검색을 사용할 수 없습니다.")
        embedding = self._ef.embed_query([query])[0]
        vectors = self._dense_vectors()
        if vectors is not None:
            return self._exact_dense_ranking(vectors, embedding, filters)
        collection = self._chroma()
        result = collection.query(query_embeddings=[embedding], n_results=min(CANDIDATES, len(self.docs)),
                                  where=filters.where(), include=["distances"])
        ids, distances = result["ids"][0], result["distances"][0]
        return [(self._by_id[doc_id], 1.0 - float(d)) for doc_id, d in zip(ids, distances, strict=True)
                if doc_id in self._by_id]

    def _exact_dense_ranking(self, vectors: Any, embedding: Any, filters: SearchFilters) -> list[tuple[int, float]]:
        """What the Chroma cosine collection answers: the nearest allowed docs, similarity 1 - distance."""
        import numpy as np

        from ktcs_desktop.core.retrieval.store import unit_rows

        similarity = vectors @ unit_rows(embedding)[0]
        limit = min(CANDIDATES, len(self.docs))
        out: list[tuple[int, float]] = []
        # float32 sums differ from Chroma's in the last bit: equal to 6 places is a tie, by document order
        for i in np.argsort(-np.round(similarity, 6), kind="stable"):
            if filters.allows(self.docs[i].metadata):
                out.append((int(i), float(similarity[i])))
                if len(out) >= limit:
                    break
        return out

    def _resolver_ranking(self, query: str, filters: SearchFilters) -> list[tuple[int, float]]:
        """Plans the query names ("슬림 14기가", "와이 요금제"), via the catalog's resolver."""
        from ktcs_desktop.core.catalog.addons import (
            AddOnResolver,
            brands_in,
            plans_including,
            without_addon_names,
        )
        from ktcs_desktop.core.catalog.resolve import extract_quantities, normalize_spoken

        out = []
        spoken = normalize_spoken(query)
        if "요금제" in spoken or "포함" in spoken:  # "넷플릭스 포함 요금제": the plans that include it
            for brand in brands_in(spoken):
                for plan in plans_including(self.catalog, brand)[:3]:
                    i = self._plan_doc.get(plan.id)
                    if i is not None and filters.allows(self.docs[i].metadata):
                        out.append((i, 1.0))
        else:
            for group in AddOnResolver(self.catalog.addons()).resolve(spoken):
                for addon in group[:3]:
                    i = self._by_id.get(f"addon:{addon.id}")
                    if i is not None:
                        out.append((i, 1.0))
        query = without_addon_names(extract_quantities(spoken).text)  # "34살" is an age, not 요고 34
        for match in self.catalog.resolve_scored(query, limit=8):
            i = self._plan_doc.get(match.plan.id)
            if i is not None and match.score >= 0.5 and filters.allows(self.docs[i].metadata):
                out.append((i, match.score))
        return out

    # -- validation ----------------------------------------------------------------------------
    def validate(self, probe: str = "슬림 14기가", expect: str = "5g-slim-14gb") -> dict:
        """Check counts and that a probe query finds its plan; raises IndexUnavailableError."""
        plans = sum(doc.kind == "plan" for doc in self.docs)
        if plans != len(self.catalog) or len(self.docs) != self.manifest.get("documents"):
            raise IndexUnavailableError(detail=f"count mismatch: {plans} plans, {len(self.docs)} docs")
        if self.dense_available:
            vectors = self._dense_vectors()  # raises on a count mismatch
            if vectors is None and self._chroma().count() != len(self.docs):
                raise IndexUnavailableError(detail="chroma count mismatch")
        hits = self.search(probe, k=3)
        if expect not in [hit.plan_id for hit in hits]:
            raise IndexUnavailableError(detail=f"probe {probe!r} did not find {expect}")
        return {"version": self.directory.name, "documents": len(self.docs), "plans": plans,
                "embedding": self.manifest.get("embedding")}
