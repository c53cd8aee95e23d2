"""KTCS_CHROMA_URL: the index's vectors live on a Chroma server (a real one, `chroma run`, on loopback)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ktcs_desktop.core.retrieval import KnowledgeBase
from ktcs_desktop.ingestion import build_index
from tests.helpers.settings import isolated_settings

CHROMA = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMA).exists():
        pytest.skip("the chroma server CLI is not installed")
    port = _free_port()
    proc = subprocess.Popen([CHROMA, "run", "--path", str(tmp_path_factory.mktemp("chroma-server")),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("chroma server did not start")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_index_on_a_chroma_server_searches_and_prunes_old_collections(tmp_path: Path, chroma_url: str) -> None:
    import chromadb

    settings = isolated_settings(tmp_path / "home", ktcs_chroma_url=chroma_url)
    kb = KnowledgeBase.open(settings)  # first open builds the shipped index onto the server
    assert kb.search("슬림 14기가", k=1, mode="dense")[0].plan_id == "5g-slim-14gb"
    host, port = chroma_url.rsplit(":", 1)
    server = chromadb.HttpClient(host=host.removeprefix("http://"), port=int(port))
    assert not list((kb.directory / "chroma").glob("*"))  # nothing embedded locally
    names = {c.name for c in server.list_collections()}
    assert f"ktcs-{kb.directory.name}" in names

    for _ in range(2):  # two refreshes: the first version's collection is pruned from the server
        assert build_index(settings, offline=True).ok
    latest = KnowledgeBase.open(settings)
    names = {c.name for c in server.list_collections()}
    versions = sorted(p.name for p in latest.directory.parent.iterdir() if p.is_dir())
    state = f"current={latest.directory.name} versions={versions} on server={sorted(names)}"
    assert f"ktcs-{latest.directory.name}" in names, state
    assert f"ktcs-{kb.directory.name}" not in names, state
    assert latest.search("요고 삼십", k=3, mode="hybrid")[0].plan_id == "yogo-30"
