"""The knowledge worker process: assistant, retrieval (MeCab-ko, BM25, dense) and index builds, off the
GUI process so their GIL-heavy work never stalls the window.

Messages are tuples over one duplex `multiprocessing` pipe:

    parent → worker  ("call", rid, method, args, kwargs) | ("cancel", rid) | ("stop",)
    worker → parent  ("status", state, info) | ("event", rid, kind, value) | ("result", rid, value)
                     | ("error", rid, exception) | ("cancelled", rid)

`event` kinds: "token" and "reset" (streamed answers), "progress" (index builds). Requests run on
a small thread pool, so a cancel or a newer request is read while an answer streams. The worker
exits when the parent closes its end of the pipe (including the parent dying).
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)

WARM_QUERY = "슬림 14기가 얼마예요?"


class _Request:
    def __init__(self, rid: int) -> None:
        self.rid = rid
        self.cancelled = threading.Event()


class _Handlers:
    """The worker's methods; built lazily so the warm-up decides when the heavy imports happen."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self._service = None
        self._lock = threading.Lock()
        self._db = None
        self._provider = None
        self._index = None

    # This process's own view of the floor's catalog: its own connection, the newest approved
    # version checked at each request (one indexed row), the index rebuilt when that changes.
    @property
    def catalog_provider(self):
        with self._lock:
            if self._provider is None:
                from ktcs_desktop.core.services.catalog import CatalogProvider
                from ktcs_desktop.core.storage.database import Database

                self._db = Database(self.settings.database_url, connect_timeout=self.settings.ktcs_db_connect_timeout)
                self._provider = CatalogProvider(self._db, cache_dir=self.settings.paths.data_dir / "catalog")
            return self._provider

    def catalog(self):
        return self.catalog_provider.current()

    @property
    def index(self):
        provider = self.catalog_provider
        with self._lock:
            if self._index is None:
                from ktcs_desktop.core.retrieval import LiveIndex

                def digest():
                    current = provider.current_version
                    return current.content_hash if current is not None and current.content_hash else None

                self._index = LiveIndex(self.settings, provider.current, catalog_hash=digest)
            return self._index

    @property
    def service(self):
        catalog = self.catalog()
        index = self.index
        with self._lock:
            if self._service is None or self._service.catalog is not catalog:
                from ktcs_desktop.core.assistant.service import AssistantService

                self._service = AssistantService(self.settings, catalog, knowledge=index.current)
            return self._service

    def warm(self, emit, req) -> dict:
        t0 = time.perf_counter()
        service = self.service  # catalog, offline templates, online client
        from ktcs_desktop.core.assistant import knowledge

        kb = knowledge._knowledge_base(self.settings, service.catalog, self.index.current)  # opens (or builds) it
        if kb is not None:
            kb.search(WARM_QUERY, k=1)  # analyser, BM25, dense side
        service.offline.answer(WARM_QUERY)
        return {"label": service.label, "retrieval": kb is not None, "warm_s": round(time.perf_counter() - t0, 2),
                "pid": os.getpid()}

    def answer(self, emit, req, question, context=None):
        return self.service.answer(question, context, on_token=lambda t: emit("token", t),
                                   cancel=req.cancelled.is_set, on_reset=lambda n: emit("reset", n))

    def suggest(self, emit, req, utterance, context):
        return self.service.suggest(utterance, context, on_token=lambda t: emit("token", t),
                                    cancel=req.cancelled.is_set, on_reset=lambda n: emit("reset", n))

    def summarize(self, emit, req, transcript, names=(), **kwargs):
        online = self.service.online
        if online is None or not hasattr(online, "summarize"):
            return None
        return online.summarize(transcript, tuple(names), cancel=req.cancelled.is_set, **kwargs)

    def search(self, emit, req, query, k=5, filters=None, mode="hybrid"):
        return self.index.current().search(query, k=k, filters=filters, mode=mode)

    def search_plan_ids(self, emit, req, query, k=15):
        """Plans the resolver names first, then plan hits of the hybrid search (the catalog browser)."""
        named = [plan.id for plan in self.catalog().resolve(query)]
        hits = self.index.current().search(query, k=k)
        return list(dict.fromkeys(named + [hit.plan_id for hit in hits if hit.plan_id]))

    def recommend_for(self, emit, req, lookup, needs, today=None):
        from ktcs_desktop.core.recommend import recommend_for

        return recommend_for(lookup, needs, today=today, catalog=self.catalog())

    def build_index(self, emit, req, offline=True):
        from ktcs_desktop.ingestion import build_index

        catalog = self.catalog()
        current = self.catalog_provider.current_version
        return build_index(self.settings, offline=offline, progress=lambda p: emit("progress", p),
                           cancel=req.cancelled.is_set, catalog=catalog,
                           catalog_hash=current.content_hash if current is not None and current.content_hash else None)

    def ping(self, emit, req):
        return os.getpid()

    def crash(self, emit, req):  # tests: the parent must notice and restart
        os._exit(3)


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - an exception that cannot cross the pipe travels as text
        from ktcs_desktop.core.worker.errors import KnowledgeWorkerError

        return KnowledgeWorkerError(f"{type(exc).__name__}: {exc}")


def serve(conn, settings, *, warm: bool = True, threads: int = 4) -> None:
    """The worker's main loop (the spawn target). Returns when the parent stops it or goes away."""
    send_lock = threading.Lock()
    requests: dict[int, _Request] = {}
    handlers = _Handlers(settings)
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ktcs-knowledge")

    def send(message: tuple) -> None:
        with send_lock:
            try:
                conn.send(message)
            except (OSError, EOFError, BrokenPipeError):
                pass  # the parent is gone; the main loop ends on its own

    def run(req: _Request, method: str, args: tuple, kwargs: dict) -> None:
        def emit(kind: str, value: Any) -> None:
            if not req.cancelled.is_set():
                send(("event", req.rid, kind, value))

        try:
            fn = getattr(handlers, method)
            result = fn(emit, req, *args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the caller
            if req.cancelled.is_set() or type(exc).__name__ == "AssistantCancelled":
                send(("cancelled", req.rid))
            else:
                log.warning("worker call %s failed: %r", method, exc)
                send(("error", req.rid, _picklable(exc)))
        else:  # a cancelled build still reports (cancelled=True); a caller that gave up ignores it
            try:
                send(("result", req.rid, result))
            except Exception as exc:  # noqa: BLE001 - unpicklable result
                send(("error", req.rid, _picklable(exc)))
        finally:
            requests.pop(req.rid, None)

    def warm_up() -> None:
        send(("status", "warming", {"pid": os.getpid()}))
        try:
            info = handlers.warm(lambda *_: None, _Request(0))
        except BaseException as exc:  # noqa: BLE001 - search falls back to the catalog; still usable
            log.exception("knowledge worker warm-up failed")
            send(("status", "ready", {"error": str(exc), "pid": os.getpid()}))
        else:
            send(("status", "ready", info))

    # Import everything up front on this thread: a request unpickled here (AssistContext imports the
    # assistant package) must never race the warm-up thread importing the same modules.
    try:  # the composition root hands ingestion's index builder to core (first start builds the index)
        from ktcs_desktop import context

        context.install()
    except ImportError:
        pass
    import ktcs_desktop.core.assistant.service
    import ktcs_desktop.core.recommend
    import ktcs_desktop.core.retrieval.knowledge_base
    import ktcs_desktop.ingestion  # noqa: F401

    if warm:
        pool.submit(warm_up)
    else:
        send(("status", "ready", {"pid": os.getpid()}))
    try:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break
            kind = message[0]
            if kind == "call":
                _kind, rid, method, args, kwargs = message
                req = requests[rid] = _Request(rid)
                pool.submit(run, req, method, args, kwargs)
            elif kind == "cancel":
                req = requests.get(message[1])
                if req is not None:
                    req.cancelled.set()
            elif kind == "stop":
                break
    finally:
        for req in list(requests.values()):
            req.cancelled.set()
        pool.shutdown(wait=False, cancel_futures=True)
        try:
            conn.close()
        except OSError:
            pass


def main(conn, settings, warm: bool = True, log_level: int | None = None) -> None:
    """Entry point of the spawned process."""
    if log_level is not None:
        logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s knowledge-worker %(name)s: %(message)s")
    serve(conn, settings, warm=warm)
    # Threads still busy (a cancelled build, a long answer) must not keep a dead worker alive.
    os._exit(0)
