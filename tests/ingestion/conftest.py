"""A stub HTTP server on 127.0.0.1 (free port) that scripts Firecrawl's /v2/scrape and serves pages."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from ktcs_desktop.ingestion import KT_PAGES, SnapshotFetcher


class StubServer:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.markdown = {page.item_code: SnapshotFetcher().fetch(page) for page in KT_PAGES}
        self.html = {page.item_code: (SnapshotFetcher().directory / f"{page.item_code}.html").read_text(
            encoding="utf-8") for page in KT_PAGES}
        self.fail_codes: set[int] = set()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                pass

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                stub.requests.append({"path": self.path, "json": payload,
                                      "auth": self.headers.get("Authorization")})
                if self.path != "/v2/scrape":
                    self._send(404, b'{"success": false, "error": "not found"}', "application/json")
                    return
                code = int(parse_qs(urlparse(payload["url"]).query)["ItemCode"][0])
                if code in stub.fail_codes:
                    self._send(500, b'{"success": false, "error": "scrape failed"}', "application/json")
                    return
                body = {"success": True, "data": {"markdown": stub.markdown[code],
                                                  "metadata": {"sourceURL": payload["url"], "statusCode": 200}}}
                self._send(200, json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json")

            def do_GET(self) -> None:
                stub.requests.append({"path": self.path, "auth": None})
                code = int(parse_qs(urlparse(self.path).query).get("ItemCode", ["0"])[0])
                if code not in stub.html or code in stub.fail_codes:
                    self._send(404, b"not found", "text/plain")
                    return
                self._send(200, stub.html[code].encode("utf-8"), "text/html; charset=utf-8")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StubServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def stub_server() -> Iterator[StubServer]:
    with StubServer() as server:
        yield server
