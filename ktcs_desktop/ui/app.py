"""Application start: Qt setup, bundled Korean font, main window, and `--self-check`."""

from __future__ import annotations

import argparse
import json
import logging
import logging.handlers
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ktcs_desktop import __version__
from ktcs_desktop.core.config import Settings, load_settings, resources_dir

if TYPE_CHECKING:
    from ktcs_desktop.core.worker import KnowledgeWorkerClient

log = logging.getLogger(__name__)

FONT_FAMILY = "NanumGothic"
_START = time.perf_counter()


def register_fonts() -> list[str]:
    """Register the bundled OFL Korean fonts; returns the families Qt now knows from them."""
    from PySide6.QtGui import QFontDatabase

    families: list[str] = []
    for path in sorted((resources_dir() / "fonts").glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("could not load font %s", path)
            continue
        families.extend(QFontDatabase.applicationFontFamilies(font_id))
    return sorted(set(families))


def install_korean_translations(app) -> bool:
    """Qt's own strings (OK/Cancel/Close, context menus) in Korean; English if not shipped."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    if getattr(app, "_ktcs_translator", None) is not None:
        return True
    translator = QTranslator(app)
    loaded = translator.load(QLocale(QLocale.Language.Korean), "qtbase", "_",
                             QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    if loaded:
        app.installTranslator(translator)
        app._ktcs_translator = translator
    else:
        log.info("Qt Korean translations not found; standard buttons stay in English")
    return loaded


def create_application(argv: list[str] | None = None):
    """The QApplication with our font and style (reuses an existing one, e.g. under pytest-qt)."""
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("KT CS AI 상담원")
    app.setOrganizationName("KTCS")
    app.setApplicationVersion(__version__)
    install_korean_translations(app)
    if getattr(app, "_ktcs_gc", None) is None:
        from ktcs_desktop.ui.gc import GuiThreadGarbageCollector

        app._ktcs_gc = GuiThreadGarbageCollector(app)
    families = register_fonts()
    if FONT_FAMILY in families:
        font = QFont(FONT_FAMILY)
        font.setPointSizeF(10)
        app.setFont(font)
    from ktcs_desktop.ui.style import STYLESHEET

    app.setStyleSheet(STYLESHEET)
    return app


def setup_logging(settings: Settings) -> Path:
    from ktcs_desktop.core.privacy import RedactingLogFilter
    from ktcs_desktop.core.privacy.at_rest import apply_private_umask, tighten_tree

    apply_private_umask()  # everything the app writes from here on is 0600/0700 (POSIX)
    settings.paths.ensure()
    for root in (settings.paths.data_dir, settings.paths.log_dir):
        tighten_tree(root)
    log_file = settings.paths.log_dir / "ktcs.log"
    handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    handler.addFilter(RedactingLogFilter())  # a log file never holds a phone number, 주민번호 …
    root = logging.getLogger()
    root.setLevel(settings.ktcs_log_level)
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        root.addHandler(handler)
    return log_file


def self_check(settings: Settings) -> dict:
    """Open the DB, load resources, build the main window offscreen; raise on any failure."""
    from ktcs_desktop.context import create_app_context as create_services  # the composition root
    from ktcs_desktop.ui.main_window import MainWindow

    report: dict = {"version": __version__, "frozen": bool(getattr(sys, "frozen", False))}
    app = create_application()
    fonts = register_fonts()
    if FONT_FAMILY not in fonts:
        raise RuntimeError(f"bundled Korean font missing (found {fonts})")
    report["fonts"] = fonts
    report["qt_korean"] = install_korean_translations(app)
    services = create_services(settings)
    try:
        seeded = services.prepare_database()
        status = services.db.check()
        if not status.ok:
            raise RuntimeError(status.message)
        report["database"] = {"backend": status.backend, "revision": status.revision,
                              "customers": services.customers.count(), "seeded": seeded is not None}
        report.update(_check_optional_resources())
        window = MainWindow(services, start_background_work=False)
        window.show()
        app.processEvents()
        report["window"] = {"title": window.windowTitle(), "panes": window.pane_names()}
        window.close()
        window.deleteLater()
        app.processEvents()
    finally:
        services.close()
    report["elapsed_s"] = round(time.perf_counter() - _START, 2)
    return report


def _check_optional_resources() -> dict:
    """Resources added by feature modules register checks here (catalog, index …)."""
    from ktcs_desktop.ui import self_checks

    return {name: check() for name, check in self_checks.CHECKS.items()}


STARTUP_ERROR_TITLE = "KT CS AI 상담원 — 시작할 수 없습니다"
STARTUP_ERROR_EXIT = 2


def show_startup_error(message: str, *, self_check: bool = False) -> int:
    """A start-up problem someone can fix (core/startup.py's message): a Korean dialog naming the
    setting or file, then a non-zero exit. `--self-check` prints it as JSON instead."""
    log.error("start-up failed: %s", message)
    print(message, file=sys.stderr)
    if self_check:
        print(json.dumps({"ok": False, "error": message}, ensure_ascii=False))
        return STARTUP_ERROR_EXIT
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance() or QApplication(sys.argv[:1])
    install_korean_translations(app)
    box = QMessageBox(QMessageBox.Icon.Critical, STARTUP_ERROR_TITLE, message, QMessageBox.StandardButton.Close)
    box.setObjectName("startup_error")
    box.setInformativeText("문제를 고친 뒤 앱을 다시 실행하세요.")
    box.exec()
    return STARTUP_ERROR_EXIT


def main(argv: list[str] | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # the frozen exe re-launched as the knowledge worker
    from ktcs_desktop.core.startup import startup_error_message

    parser = argparse.ArgumentParser(prog="ktcs-desktop", description="KT CS AI 상담원")
    parser.add_argument("--self-check", action="store_true",
                        help="open the DB, load resources, build the window offscreen, exit")
    parser.add_argument("--call", metavar="PHONE",
                        help="screen pop: open a fresh call for this caller in the running window (or start it)")
    parser.add_argument("--version", action="version", version=f"ktcs-desktop {__version__}")
    args, qt_args = parser.parse_known_args(argv if argv is not None else sys.argv[1:])

    if args.self_check:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        os.environ.setdefault("KTCS_KNOWLEDGE_WORKER", "0")  # checks the window, not a worker spawn
    try:
        settings = load_settings()
    except Exception as exc:
        message = startup_error_message(exc)
        if message is None:
            raise
        return show_startup_error(message, self_check=args.self_check)
    setup_logging(settings)
    from ktcs_desktop.core.crash import install_crash_handlers
    from ktcs_desktop.ui.crash_dialog import make_crash_reporter

    # Uncaught exceptions (slots included) and hard faults go to the log dir; the agent sees a
    # Korean dialog with 로그 폴더 열기 (not under --self-check, which reports as JSON).
    install_crash_handlers(settings.paths.log_dir,
                           on_crash=None if args.self_check else make_crash_reporter(settings.paths.log_dir))
    from ktcs_desktop.core.services.retention import run_retention

    run_retention(settings)  # closed calls past KTCS_RETENTION_DAYS (daily: the main window's timer)

    if args.self_check:
        try:
            report = self_check(settings)
        except Exception as exc:  # noqa: BLE001 - reported and turned into the exit code
            log.exception("self-check failed")
            print(json.dumps({"ok": False, "error": startup_error_message(exc) or str(exc)}, ensure_ascii=False))
            return 1
        print(json.dumps({"ok": True, **report}, ensure_ascii=False))
        return 0

    from ktcs_desktop.core.screenpop import ProfileLock, instance_address, send_call

    address = instance_address(settings.paths.data_dir)
    profile_lock = ProfileLock(settings.paths.data_dir)
    if not profile_lock.acquire():  # one window per profile: hand over to it
        if args.call and send_call(address, args.call):
            return 0
        return show_startup_error("이 PC 사용자 계정에서 KT CS AI 상담원이 이미 실행 중입니다. 작업 표시줄의 창을 "
                                  "사용하세요.")
    # The knowledge worker first: its interpreter start, imports and index open (≈1–2 s) run
    # on another core while this process imports the window (≈1 s), not after it.
    worker = start_knowledge_worker(settings)

    from ktcs_desktop.context import create_app_context as create_services  # the composition root
    from ktcs_desktop.core.startup import check_startup
    from ktcs_desktop.ui.main_window import MainWindow

    app = create_application([sys.argv[0], *qt_args])
    services = None
    try:
        services = create_services(settings)
        check_startup(services)
    except Exception as exc:
        message = startup_error_message(exc)
        if services is not None:
            services.close()
        if worker is not None:
            worker.close(2.0)
        if message is None:
            raise
        return show_startup_error(message)
    from ktcs_desktop.ui.single_instance import ScreenPopServer

    window = MainWindow(services, knowledge_worker=worker)
    window.show()
    log.info("window shown %.2fs after start", time.perf_counter() - _START)
    screen_pops = ScreenPopServer(address, window.incoming_call, window)
    screen_pops.listen()
    if args.call:
        window.incoming_call(args.call)
    code = app.exec()
    screen_pops.close()
    services.close()
    profile_lock.release()
    return int(code)


def start_knowledge_worker(settings: Settings) -> KnowledgeWorkerClient | None:
    """Spawn the knowledge worker now (KTCS_KNOWLEDGE_WORKER=0: answers in this process)."""
    from ktcs_desktop.core.worker import KnowledgeWorkerClient, worker_process_enabled

    if not worker_process_enabled():
        return None

    return KnowledgeWorkerClient(settings)


if __name__ == "__main__":  # python -m ktcs_desktop.ui.app / the frozen entry point
    raise SystemExit(main())
