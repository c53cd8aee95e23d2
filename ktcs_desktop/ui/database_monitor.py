"""Database health for the window: periodic checks, reconnect, the red banner, the status-bar
label, and writing what the current call left pending once the database is back."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel

from ktcs_desktop.core.errors import DatabaseUnavailableError, user_message
from ktcs_desktop.core.services.container import Services
from ktcs_desktop.core.services.recorder import ConsultationRecorder
from ktcs_desktop.core.storage.database import DatabaseStatus
from ktcs_desktop.ui.tasks import TaskManager
from ktcs_desktop.ui.widgets import Banner

log = logging.getLogger(__name__)


class DatabaseMonitor(QObject):
    status_changed = Signal(object)  # DatabaseStatus
    reconnected = Signal()  # the database came back after an outage
    prepared = Signal()  # migrations/seed done at start

    RETRY_MS = 5000
    HEALTH_MS = 20000

    def __init__(self, services: Services, tasks: TaskManager, banner: Banner, label: QLabel,
                 live_recorders: Callable[[], list[ConsultationRecorder]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.tasks = tasks
        self.banner = banner
        self.label = label
        self.live_recorders = live_recorders
        self.ok: bool | None = None
        self._in_flight = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.check)

    def prepare(self) -> None:
        self._in_flight = True
        self.tasks.run(lambda ctx: self.services.prepare_database(), on_success=lambda _r: self._after_prepare(),
                       on_failure=self.failed)

    def _after_prepare(self) -> None:
        self._in_flight = False
        self.check()
        self.prepared.emit()

    def stop(self) -> None:
        self._timer.stop()

    def check(self) -> None:
        if self._in_flight:
            return
        self._in_flight = True
        if self.ok is False:
            self.label.setText("DB 재연결 시도 중…")
        self.tasks.run(lambda ctx: self._check_and_flush(), on_success=self._checked, on_failure=self.failed)

    def _check_and_flush(self) -> DatabaseStatus:
        status = self.services.db.check()
        if status.reachable and not status.ok:  # e.g. the server came back empty: migrate (and seed)
            self.services.prepare_database()
            status = self.services.db.check()
        if status.ok:
            for recorder in self.live_recorders():
                if recorder.pending_count:
                    try:
                        recorder.flush()
                    except DatabaseUnavailableError:
                        pass
        return status

    def _checked(self, status: DatabaseStatus) -> None:
        self._in_flight = False
        was_ok = self.ok
        self.ok = status.ok
        self.label.setText(f"● {status.message}")
        self.label.setToolTip(status.location)
        self.label.setStyleSheet("color: #047857;" if status.ok else "color: #B42318;")
        if status.ok:
            self.banner.hide()
            if was_ok is False:
                self.reconnected.emit()
            self._timer.start(self.HEALTH_MS)
        else:
            self._show_banner()
            self._timer.start(self.RETRY_MS)
        self.status_changed.emit(status)

    def failed(self, exc: BaseException) -> None:
        """A check, or any database work, found the database unreachable."""
        self._in_flight = False
        log.warning("database unavailable: %s", getattr(exc, "detail", "") or type(exc).__name__)
        self.ok = False
        self.label.setText(f"● DB 연결 끊김 ({self.services.db.backend})")
        self.label.setStyleSheet("color: #B42318;")
        self._show_banner(user_message(exc) if not isinstance(exc, DatabaseUnavailableError) else None)
        self._timer.start(self.RETRY_MS)

    def _show_banner(self, detail: str | None = None) -> None:
        db = self.services.db
        text = (f"데이터베이스({db.backend} {db.location})에 연결할 수 없습니다. "
                f"{self.RETRY_MS // 1000}초마다 자동으로 다시 연결합니다. 입력한 대화와 메모는 이 PC에 "
                "임시 저장되며 연결이 복구되면 저장됩니다.")
        if detail:
            text += f"\n{detail}"
        self.banner.show_message(text, level="error", action="지금 다시 시도", on_action=self.check, closable=False)
