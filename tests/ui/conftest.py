from __future__ import annotations

import gc
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from ktcs_desktop.context import create_app_context as create_services  # noqa: E402
from ktcs_desktop.core.config import Settings  # noqa: E402
from ktcs_desktop.core.services.container import Services  # noqa: E402


@pytest.fixture(autouse=True)
def _collect_garbage_between_tests():
    """Collect Qt wrappers left by the previous test while no worker thread is running, rather
    than letting the collector run inside a later test's event loop."""
    gc.collect()
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def _in_process_knowledge(monkeypatch):
    """Windows under test run the knowledge stack in-process (a worker process per test would cost
    seconds of CPU each); tests/ui/test_responsiveness.py and tests/worker/ cover the worker."""
    from ktcs_desktop.ui.features import knowledge

    monkeypatch.setattr(knowledge, "USE_WORKER_PROCESS", False)


@pytest.fixture
def app(qapp):
    from ktcs_desktop.ui.app import create_application

    return create_application()


@pytest.fixture(scope="session")
def _template_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated, seeded SQLite database and the shipped index, built once per session
    (1.5–4 s per window test otherwise); each test gets a copy of its own."""
    home = tmp_path_factory.mktemp("ui-template-home")
    template = Settings(_env_file=None, ktcs_home=home)  # type: ignore[call-arg]
    svc = create_services(template)
    try:
        svc.prepare_database()
        svc.knowledge  # noqa: B018 - builds the shipped index
    finally:
        svc.close()
    return template.paths.data_dir


@pytest.fixture
def services(settings: Settings, _template_data_dir: Path) -> Iterator[Services]:
    shutil.copytree(_template_data_dir, settings.paths.data_dir, dirs_exist_ok=True)
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
    win.quit_confirmed = True  # a test that left a call live: no "상담이 진행 중입니다" prompt
    win.close()
    # No background work may outlive the test that started it.
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=15000)
