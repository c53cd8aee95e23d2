"""The knowledge worker process: same answers as the in-process service, streaming, cancel, restart,
clean shutdown (no process left behind)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from ktcs_desktop.core.assistant.models import AssistContext
from ktcs_desktop.core.worker import KnowledgeWorkerClient, KnowledgeWorkerRestarting, WorkerState


def process_gone(pid: int | None) -> bool:
    """No such process any more, not even a zombie (Linux /proc; elsewhere: signal 0)."""
    if pid is None:
        return True
    if os.path.isdir("/proc"):
        return not os.path.exists(f"/proc/{pid}")
    try:
        os.kill(pid, 0)
    except OSError:
        return True
    return False


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    from ktcs_desktop.core.config import Settings

    home = tmp_path_factory.mktemp("ktcs-worker-home")
    settings = Settings(_env_file=None, ktcs_home=home)  # type: ignore[call-arg]
    states: list[WorkerState] = []
    client = KnowledgeWorkerClient(settings, on_status=lambda state, _info: states.append(state), max_restarts=2)
    client.states = states  # type: ignore[attr-defined]
    assert client.wait_ready(240), client.info
    yield client
    pid = client.pid
    client.close()
    assert client.state is WorkerState.CLOSED
    assert process_gone(pid)  # exited and reaped: no zombie left


def test_answers_stream_from_the_worker(worker):
    tokens: list[str] = []
    answer = worker.answer("슬림 14기가 얼마예요?", AssistContext(), on_token=tokens.append)
    assert "55,000원" in answer.text
    assert "".join(tokens) == answer.text
    assert worker.label == "오프라인 지식 기반"


def test_search_runs_in_the_worker(worker):
    hits = worker.search("슬림 14기가", k=3)
    assert hits[0].plan_id == "5g-slim-14gb"
    assert worker.pid is not None and worker.pid != os.getpid()


def test_errors_cross_the_pipe_with_their_korean_message(worker):
    from ktcs_desktop.core.errors import InvalidInputError

    with pytest.raises(InvalidInputError) as info:
        worker.search("슬림", mode="nonsense")
    assert "검색 방식" in info.value.user_message


def test_a_cancelled_answer_returns_at_once(worker):
    from ktcs_desktop.core.assistant import AssistantCancelled

    cancel = threading.Event()
    cancel.set()
    started = time.monotonic()
    with pytest.raises(AssistantCancelled):
        worker.answer("이월 데이터는 어떻게 돼요?", cancel=cancel.is_set)
    assert time.monotonic() - started < 0.5
    assert worker.ping() > 0  # the worker is still serving


def test_a_dead_worker_is_restarted(worker):
    old_pid = worker.pid
    with pytest.raises(KnowledgeWorkerRestarting):
        worker.call("crash")
    assert worker.wait_ready(240)
    assert worker.pid != old_pid
    assert WorkerState.RESTARTING in worker.states
    assert worker.search("슬림 14기가", k=1)[0].plan_id == "5g-slim-14gb"


def test_closed_client_refuses_calls(settings):
    client = KnowledgeWorkerClient(settings, warm=False)
    assert client.ping() > 0
    pid = client.pid
    client.close()
    assert process_gone(pid)
    from ktcs_desktop.core.worker import KnowledgeWorkerError

    with pytest.raises(KnowledgeWorkerError):
        client.ping()
