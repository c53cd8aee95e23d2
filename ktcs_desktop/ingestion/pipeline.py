"""`build_index`: fetch the 12 product pages, parse and diff them, chunk them and build a new index
beside the live one; swap it in only after it validates. Qt-free: progress is a callback, cancel a
callable or `threading.Event`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ktcs_desktop.core.catalog import PlanCatalog, given
from ktcs_desktop.core.errors import KtcsError, user_message
from ktcs_desktop.core.retrieval import store
from ktcs_desktop.core.retrieval.documents import (
    KnowledgeDoc,
    addon_docs,
    channel_docs,
    family_metadata,
    plan_docs,
    rule_docs,
)
from ktcs_desktop.ingestion.diff import PlanChange, diff_page
from ktcs_desktop.ingestion.fetch import NetworkUnavailable, PageFetcher, SnapshotFetcher, fetcher_for
from ktcs_desktop.ingestion.pages import KT_PAGES, PageSpec
from ktcs_desktop.ingestion.parse import chunk_text, parse_plan_facts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestProgress:
    """One step: `page` is None for the indexing phase; state is fetching/ok/failed/indexing/done."""

    done: int
    total: int
    state: str
    message: str
    page: PageSpec | None = None


@dataclass
class PageResult:
    page: PageSpec
    ok: bool
    plans_found: int = 0
    chars: int = 0
    error: str = ""


@dataclass
class IngestReport:
    ok: bool = False
    cancelled: bool = False
    message: str = ""
    mode: str = "offline"
    pages: list[PageResult] = field(default_factory=list)
    changes: list[PlanChange] = field(default_factory=list)
    documents: int = 0
    version: str | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [self.message]
        ok = sum(p.ok for p in self.pages)
        lines.append(f"페이지 {ok}/{len(self.pages)} 처리 ({self.mode}), 문서 {self.documents}개, {self.seconds:.1f}초")
        if self.changes:
            lines.append("카탈로그와 다른 점:")
            lines += [f"  - {c.message}" for c in self.changes]
        elif self.ok:
            lines.append("카탈로그와 다른 점 없음")
        return "\n".join(lines)


Cancel = Callable[[], bool] | object | None


def _cancel_check(cancel: Cancel) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    if hasattr(cancel, "is_set"):
        return cancel.is_set
    return cancel  # type: ignore[return-value]


def build_index(
    settings,
    *,
    offline: bool = True,
    progress: Callable[[IngestProgress], None] | None = None,
    cancel: Cancel = None,
    fetcher: PageFetcher | None = None,
    catalog: PlanCatalog | None = None,
    pages: tuple[PageSpec, ...] = KT_PAGES,
    catalog_hash: str | None = None,
) -> IngestReport:
    """Refresh the knowledge index for `catalog` (the approved version in use; `catalog_hash`
    names it in the manifest, so a desktop rebuilds when a newer one is approved). Never leaves a
    half-built index: on failure or cancel the previous index stays live and the report says why
    (Korean `message`)."""
    started = time.perf_counter()
    cancelled = _cancel_check(cancel)
    notify = progress or (lambda _p: None)
    catalog = given(catalog, "pipeline")
    fetcher = fetcher or fetcher_for(settings, offline=offline)
    report = IngestReport(mode=fetcher.name)
    total = len(pages) + 1
    texts: dict[int, str] = {}

    def finish(message: str, *, ok: bool = False, was_cancelled: bool = False) -> IngestReport:
        report.ok, report.cancelled, report.message = ok, was_cancelled, message
        report.seconds = time.perf_counter() - started
        notify(IngestProgress(total, total, "done" if ok else "failed", message))
        return report

    keep = " 기존 색인을 그대로 사용합니다." if store.current_version_dir(settings) else ""
    for n, page in enumerate(pages):
        if cancelled():
            return finish("새로고침이 취소되었습니다." + keep, was_cancelled=True)
        notify(IngestProgress(n, total, "fetching", f"{page.title} 가져오는 중…", page))
        try:
            text = fetcher.fetch(page)
        except NetworkUnavailable as exc:
            if n == 0 and not isinstance(fetcher, SnapshotFetcher):
                log.warning("network unavailable (%s); using the shipped page snapshots", exc)
                fetcher = SnapshotFetcher()
                report.mode = "offline (네트워크 없음)"
                text = fetcher.fetch(page)
            else:
                report.pages.append(PageResult(page, False, error=str(exc)))
                notify(IngestProgress(n + 1, total, "failed", f"{page.title}: 네트워크 오류", page))
                return finish(f"{page.title} 페이지를 가져오지 못했습니다 (네트워크 오류).{keep}")
        except Exception as exc:  # noqa: BLE001 - any page failure aborts the refresh, reported in Korean
            log.exception("refresh: fetching or reading %s failed", page.item_code)
            report.pages.append(PageResult(page, False, error=str(exc)))
            notify(IngestProgress(n + 1, total, "failed", f"{page.title}: {user_message(exc)}", page))
            return finish(f"{page.title} 페이지를 가져오지 못했습니다. {user_message(exc)}{keep}")
        facts = parse_plan_facts(text)
        texts[page.item_code] = text
        report.changes += diff_page(page, facts, catalog)
        report.pages.append(PageResult(page, True, plans_found=len(facts), chars=len(text)))
        notify(IngestProgress(n + 1, total, "ok", f"{page.title}: 요금제 {len(facts)}개", page))

    if cancelled():
        return finish("새로고침이 취소되었습니다." + keep, was_cancelled=True)
    notify(IngestProgress(len(pages), total, "indexing", "검색 색인 만드는 중…"))
    docs = (plan_docs(catalog) + rule_docs(catalog.rules) + channel_docs(catalog) + addon_docs(catalog)
            + page_docs(pages, texts, catalog))
    directory = store.new_version_dir(settings)
    try:
        manifest = store.write_index(settings, directory, docs, cancel=cancelled)
        manifest["catalog_hash"] = catalog_hash
        if cancelled():
            raise InterruptedError
        store.commit_manifest(directory, manifest)
        from ktcs_desktop.core.retrieval.knowledge_base import KnowledgeBase

        KnowledgeBase(settings, directory, catalog).validate()
        if cancelled():
            raise InterruptedError
        store.swap_in(settings, directory)
    except InterruptedError:
        store.discard(directory)
        return finish("새로고침이 취소되었습니다." + keep, was_cancelled=True)
    except Exception as exc:  # noqa: BLE001 - the old index stays; the reason goes to the agent
        log.exception("index build failed")
        store.discard(directory)
        reason = exc.user_message if isinstance(exc, KtcsError) else str(exc)
        return finish(f"검색 색인을 만들지 못했습니다: {reason}.{keep}")
    report.documents, report.version = len(docs), directory.name
    changes = f" 카탈로그와 다른 점 {len(report.changes)}건." if report.changes else ""
    return finish(f"요금제 정보를 새로고침했습니다 (문서 {len(docs)}개).{changes}", ok=True)


def page_docs(pages: tuple[PageSpec, ...], texts: dict[int, str], catalog: PlanCatalog) -> list[KnowledgeDoc]:
    docs: list[KnowledgeDoc] = []
    for page in pages:
        text = texts.get(page.item_code)
        plans = [p for p in catalog if p.source.kt_item_code == page.item_code]
        if not text or not plans:
            continue
        meta = family_metadata(plans)
        for n, chunk in enumerate(chunk_text(text), start=1):
            docs.append(KnowledgeDoc(id=f"page:{page.item_code}:{n}", title=f"{page.title} 상품 안내 ({n})",
                                     text=chunk, kind="page", source=page.url, metadata=dict(meta)))
    return docs
