"""The OpenAI embedding path, against a stub /v1/embeddings server on 127.0.0.1 (real `openai` client)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ktcs_desktop.core.errors import CapabilityUnavailableError
from ktcs_desktop.core.retrieval import KnowledgeBase, build_index
from ktcs_desktop.core.retrieval.embedding import hash_embed
from tests.helpers.settings import isolated_settings


@pytest.fixture
def embeddings_server():
    calls: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args) -> None:
            pass

        def do_POST(self) -> None:
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            calls.append({"path": self.path, "json": payload, "auth": self.headers.get("Authorization")})
            inputs = payload["input"] if isinstance(payload["input"], list) else [payload["input"]]
            body = json.dumps({
                "object": "list", "model": payload["model"], "usage": {"prompt_tokens": 1, "total_tokens": 1},
                "data": [{"object": "embedding", "index": i, "embedding": hash_embed(text, 64)}
                         for i, text in enumerate(inputs)],
            }).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", calls
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_index_built_with_openai_embeddings(tmp_path, embeddings_server):
    url, calls = embeddings_server
    settings = isolated_settings(tmp_path, openai_api_key="sk-test", openai_base_url=url, ktcs_llm_max_retries=0)
    report = build_index(settings, offline=True)
    assert report.ok, report.message
    assert calls and calls[0]["path"] == "/v1/embeddings" and calls[0]["auth"] == "Bearer sk-test"
    assert calls[0]["json"]["model"] == "text-embedding-3-small"
    kb = KnowledgeBase.open(settings)
    assert kb.manifest["embedding"] == "ktcs-openai"
    assert kb.search("슬림 14기가", k=1, mode="dense")[0].plan_id == "5g-slim-14gb"

    # the same index without a key: BM25 + resolver still answer, dense says why it cannot
    keyless = KnowledgeBase.open(isolated_settings(tmp_path))
    assert not keyless.dense_available
    assert keyless.search("슬림 14기가", k=1)[0].plan_id == "5g-slim-14gb"
    with pytest.raises(CapabilityUnavailableError):
        keyless.search("슬림", mode="dense")
