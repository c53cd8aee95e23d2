"""On-disk layout of the search index and its atomic swap.

    <data_dir>/index/current          → name of the live version directory (replaced atomically)
    <data_dir>/index/<version>/       manifest.json, docs.jsonl, bm25/, chroma/, dense.npy

dense.npy holds the documents' unit-length vectors (the ones added to Chroma), so searching the
embedded index needs numpy only; Chroma is imported where an index is built and, with
KTCS_CHROMA_URL, to query the server.

A build writes a new version directory beside the live one, validates it, then replaces `current`;
until then readers keep using the previous version, so a failed or cancelled build changes nothing.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ktcs_desktop.core.retrieval.documents import KnowledgeDoc

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

POINTER = "current"
MANIFEST = "manifest.json"
DOCS = "docs.jsonl"
DENSE = "dense.npy"
SCHEMA_VERSION = 1
KEEP_OLD_VERSIONS = 1


def index_root(settings) -> Path:
    return Path(settings.paths.data_dir) / "index"


def current_version_dir(settings) -> Path | None:
    """The live index directory, or None when no complete index exists."""
    root = index_root(settings)
    try:
        name = (root / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    directory = root / name
    return directory if (directory / MANIFEST).is_file() else None


def new_version_dir(settings) -> Path:
    root = index_root(settings)
    root.mkdir(parents=True, exist_ok=True)
    # sortable by creation time, even for several builds within one second: one clock reading for
    # both parts (two readings can straddle a second and sort a newer build before an older one)
    now = time.time_ns()
    name = time.strftime("v%Y%m%d-%H%M%S", time.localtime(now // 10**9)) + f"-{now % 10**9:09d}-" + uuid.uuid4().hex[:4]
    directory = root / name
    directory.mkdir()
    return directory


def collection_name(directory: Path) -> str:
    return f"ktcs-{directory.name}"


def chroma_client(settings, directory: Path):
    """Embedded Chroma under the version directory, or the server in KTCS_CHROMA_URL."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.ktcs_chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.ktcs_chroma_url)
        return chromadb.HttpClient(host=url.hostname or "localhost", port=url.port or 8000,
                                   ssl=url.scheme == "https", settings=chroma_settings)
    return chromadb.PersistentClient(path=str(directory / "chroma"), settings=chroma_settings)


_CHROMA_ADAPTERS: dict[type, type] = {}


def chroma_embedding_function(ef: Any) -> Any:
    """`ef` as a registered Chroma embedding function (same name and config, so a collection built
    with it reopens with it); Chroma is imported only here."""
    from chromadb.api.types import EmbeddingFunction
    from chromadb.utils.embedding_functions import register_embedding_function

    base = type(ef)
    adapter = _CHROMA_ADAPTERS.get(base)
    if adapter is None:
        adapter = register_embedding_function(type(f"Chroma{base.__name__}", (base, EmbeddingFunction), {}))
        _CHROMA_ADAPTERS[base] = adapter
    wrapped = object.__new__(adapter)
    wrapped.__dict__.update(ef.__dict__)
    return wrapped


def unit_rows(vectors: Any) -> Any:
    """float32 matrix with L2-normalised rows (zero rows stay zero), as Chroma's cosine space sees them."""
    import numpy as np

    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def write_index(settings, directory: Path, docs: list[KnowledgeDoc], *, cancel=None) -> dict:
    """Write docs, the BM25 index, the dense vectors and the Chroma collection into `directory`;
    returns the manifest."""
    import bm25s

    from ktcs_desktop.core.retrieval.embedding import MorphHashEmbeddingFunction, embedding_function_for
    from ktcs_desktop.core.retrieval.text import analyzer_id, tokenize

    if not docs:
        raise ValueError("no documents to index")
    with (directory / DOCS).open("w", encoding="utf-8") as fh:
        for doc in docs:
            fh.write(json.dumps(asdict(doc), ensure_ascii=False) + "\n")
    retriever = bm25s.BM25()
    retriever.index([list(tokenize(f"{d.title}\n{d.text}")) or ["_"] for d in docs], show_progress=False)
    retriever.save(str(directory / "bm25"))
    if cancel is not None and cancel():
        raise InterruptedError
    ef = embedding_function_for(settings)
    client = chroma_client(settings, directory)
    try:
        _add_all(client, directory, ef, docs)
    except Exception as exc:
        if isinstance(ef, MorphHashEmbeddingFunction):
            raise
        # the embeddings server failed mid-build: the index is still built, with offline vectors
        log.warning("embeddings failed while indexing, using offline hashing: %r", exc)
        try:
            client.delete_collection(collection_name(directory))
        except Exception:  # noqa: BLE001
            pass
        ef = MorphHashEmbeddingFunction()
        _add_all(client, directory, ef, docs)
    manifest = {
        "schema_version": SCHEMA_VERSION, "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "documents": len(docs), "plans": sum(d.kind == "plan" for d in docs),
        "pages": sum(d.kind == "page" for d in docs), "rules": sum(d.kind == "rule" for d in docs),
        "embedding": ef.name(), "embedding_config": ef.get_config(), "collection": collection_name(directory),
        "dense": DENSE, "analyzer": analyzer_id(),
    }
    del client
    return manifest


def _add_all(client, directory: Path, ef, docs: list[KnowledgeDoc]):
    """Embed the docs once: the same vectors go to Chroma and to dense.npy (the search's copy)."""
    import numpy as np

    texts = [f"{d.title}\n{d.text}" for d in docs]
    ef = chroma_embedding_function(ef)
    embeddings = ef(texts)  # Chroma's wrapper: validated, normalised to float32 arrays
    collection = client.get_or_create_collection(
        collection_name(directory), embedding_function=ef, metadata={"hnsw:space": "cosine"})
    collection.add(ids=[d.id for d in docs], documents=texts, embeddings=embeddings,
                   metadatas=[{**d.metadata, "kind": d.kind, "source": d.source} for d in docs])
    tmp = directory / (DENSE + ".tmp.npy")
    np.save(tmp, unit_rows(embeddings), allow_pickle=False)
    os.replace(tmp, directory / DENSE)
    return collection


def commit_manifest(directory: Path, manifest: dict) -> None:
    tmp = directory / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, directory / MANIFEST)


def swap_in(settings, directory: Path) -> None:
    """Make `directory` the live index (atomic pointer replace), then prune old versions."""
    root = index_root(settings)
    tmp = root / f"{POINTER}.{uuid.uuid4().hex[:6]}.tmp"
    tmp.write_text(directory.name, encoding="utf-8")
    os.replace(tmp, root / POINTER)
    prune(settings, keep=directory)


def discard(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)


def prune(settings, keep: Path) -> None:
    """Remove versions older than the newest few (an open reader on Windows may block deletion)."""
    root = index_root(settings)
    versions = sorted((p for p in root.iterdir() if p.is_dir() and p != keep), key=lambda p: p.name)
    for old in versions[:-KEEP_OLD_VERSIONS] if KEEP_OLD_VERSIONS else versions:
        if settings.ktcs_chroma_url:  # the vectors live on the server: drop that version's collection
            try:
                chroma_client(settings, old).delete_collection(collection_name(old))
            except Exception as exc:  # noqa: BLE001 - pruning is best effort
                log.info("could not delete collection of %s: %s", old.name, exc)
        shutil.rmtree(old, ignore_errors=True)
