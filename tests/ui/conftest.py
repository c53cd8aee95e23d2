from __future__ import annotations

import gc
import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from ktcs_desktop.core.config import Settings  # noqa: E402
from ktcs_desktop.core.services.container import Services, create_services  # noqa: E402


@pytest.fixture(autouse=True)
def _collect_garbage_between_tests():
    """Collect Qt wrappers left by the previous test while no worker thread is running, rather
    than letting the collector run inside a later test's event loop."""
    gc.collect()
    yield
    gc.collect()


@pytest.fixture
def app(qapp):
    from ktcs_desktop.ui.app import create_application
@pytest.fixture(autouse=True)
def _in_process_knowledge(monkeypatch):
    """Windows under test run the knowledge stack in-process (a worker process per test would cost
    seconds of CPU each); tests/ui/test_responsiveness.py and tests/worker/ cover the worker."""
    from ktcs_desktop.ui.features import knowledge

    monkeypatch.setattr(knowledge, "USE_WORKER_PROCESS", False)



    return create_application()


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    svc = create_services(settings)
    yield svc
    svc.close()


@pytest.fixture
def window(app, qtbot, services: Services):
    from ktcs_desktop.ui.main_window import MainWindow

    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.db_ok is True, timeout=10000)
    yield win
    win.close()
    # No background work may outlive the test that started it.
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=15000)
