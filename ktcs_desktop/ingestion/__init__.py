"""Plan-page ingestion: fetch KT product pages (Firecrawl, HTTP or shipped snapshots), parse and diff
them against the catalog, and build the search index with an atomic swap."""

from ktcs_desktop.ingestion.diff import PlanChange, diff_page
from ktcs_desktop.ingestion.fetch import (
    FirecrawlFetcher,
    HttpFetcher,
    NetworkUnavailable,
    SnapshotFetcher,
    fetcher_for,
)
from ktcs_desktop.ingestion.pages import KT_PAGES, PageSpec
from ktcs_desktop.ingestion.parse import PageFact, chunk_text, html_to_text, parse_plan_facts
from ktcs_desktop.ingestion.pipeline import IngestProgress, IngestReport, PageResult, build_index

__all__ = [
    "KT_PAGES", "FirecrawlFetcher", "HttpFetcher", "IngestProgress", "IngestReport", "NetworkUnavailable",
    "PageFact", "PageResult", "PageSpec", "PlanChange", "SnapshotFetcher", "build_index", "chunk_text",
    "diff_page", "fetcher_for", "html_to_text", "parse_plan_facts",
]
