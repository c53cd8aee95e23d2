"""Getting a product page's text: Firecrawl (when a key is set), plain HTTP, or the shipped snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ktcs_desktop.core.config import resources_dir
from ktcs_desktop.ingestion.pages import PageSpec
from ktcs_desktop.ingestion.parse import html_to_text

USER_AGENT = "Mozilla/5.0 (ktcs-desktop plan refresher)"


class NetworkUnavailable(Exception):
    """The fetcher could not reach the network at all (as opposed to one page failing)."""


class PageFetcher(Protocol):
    name: str

    def fetch(self, page: PageSpec) -> str:
        """The page's readable text (Markdown-ish, tables as `| a | b |` rows)."""


def snapshots_dir() -> Path:
    return resources_dir() / "pages"


class SnapshotFetcher:
    """Reads the shipped snapshots in resources/pages/<ItemCode>.html."""

    name = "offline"

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or snapshots_dir()

    def fetch(self, page: PageSpec) -> str:
        path = self.directory / f"{page.item_code}.html"
        return html_to_text(path.read_text(encoding="utf-8"))


class HttpFetcher:
    """A plain GET of the product page, converted to text."""

    name = "http"

    def __init__(self, timeout: float = 15.0, url_template: str | None = None) -> None:
        import httpx

        self._url_template = url_template  # "{code}" → ItemCode; tests point it at a local server
        self._client = httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT})

    def fetch(self, page: PageSpec) -> str:
        import httpx

        try:
            url = self._url_template.format(code=page.item_code) if self._url_template else page.url
            response = self._client.get(url)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise NetworkUnavailable(str(exc)) from exc
        response.raise_for_status()
        return html_to_text(response.text)

    def close(self) -> None:
        self._client.close()


class FirecrawlFetcher:
    """Firecrawl's scrape endpoint (rendered page as Markdown) through the official client."""

    name = "firecrawl"

    def __init__(self, api_key: str, api_url: str | None = None, timeout_ms: int = 30_000) -> None:
        from firecrawl import Firecrawl

        kwargs = {"api_key": api_key}
        if api_url:
            kwargs["api_url"] = api_url
        self._client = Firecrawl(**kwargs)
        self._timeout_ms = timeout_ms

    def fetch(self, page: PageSpec) -> str:
        import requests

        try:
            document = self._client.scrape(page.url, formats=["markdown"], only_main_content=True,
                                           timeout=self._timeout_ms)
        except requests.ConnectionError as exc:
            raise NetworkUnavailable(str(exc)) from exc
        text = getattr(document, "markdown", None)
        if not text:
            html = getattr(document, "html", None) or getattr(document, "raw_html", None)
            text = html_to_text(html) if html else ""
        if not text.strip():
            raise ValueError("Firecrawl returned an empty page")
        return text


def fetcher_for(settings, *, offline: bool) -> PageFetcher:
    if offline:
        return SnapshotFetcher()
    if settings.firecrawl_api_key is not None:
        return FirecrawlFetcher(settings.firecrawl_api_key.get_secret_value(), settings.firecrawl_api_url)
    return HttpFetcher()
