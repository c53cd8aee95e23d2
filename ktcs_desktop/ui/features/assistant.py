"""Main-window integration of the assistant: assist panel, live suggestions, escalations, wrap-up."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from ktcs_desktop.core.assistant import (
    AssistantCancelled,
    AssistContext,
    detect_escalation,
    summary_failure_notice,
)
from ktcs_desktop.core.errors import user_message
from ktcs_desktop.core.models import Speaker, TranscriptLine
from ktcs_desktop.core.summary import build_summary, with_parties
from ktcs_desktop.ui.assistant.panel import AssistantPanel
from ktcs_desktop.ui.assistant.wrapup import WrapUpDialog
from ktcs_desktop.ui.tasks import TaskCancelled, TaskKind

if TYPE_CHECKING:
    from ktcs_desktop.core.services.recorder import ConsultationRecorder
    from ktcs_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)
SUGGEST_DEBOUNCE_MS = 350


class AssistantFeature(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        # The knowledge worker process (ui/features/knowledge.py) when it runs; in-process otherwise.
        self.service = getattr(window, "knowledge_worker", None) or window.services.assistant
        self.panel = AssistantPanel()
        self.panel.set_provider(self.service.label)
        window.assist_area.layout().addWidget(self.panel)
        window.assist_area.show()
        self.panel.question_submitted.connect(lambda q: self.ask(q))
        window.set_shortcut_handler("ask", self.focus_question)
        self._handle = None
        self._generation = 0
        self._pending_utterance: str | None = None
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SUGGEST_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._suggest_now)
        self.last_escalation = None
        self.dialog: WrapUpDialog | None = None
        window.transcript_line_added.connect(self._on_line)
        window.session_changed.connect(self._session_changed)
        window.wrapup_handler = self.open_wrapup

    def _session_changed(self, _old: object, _new: object) -> None:
        """A new call: the previous caller's answer, suggestion and escalation go away."""
        if self._handle is not None and not self._handle.done:
            self._handle.cancel()
        self._generation += 1
        self._debounce.stop()
        self._pending_utterance = None
        self.last_escalation = None
        self.panel.reset()
        if self.dialog is not None:
            self.dialog.close()
            self.dialog = None

    def focus_question(self) -> None:
        self.panel.question.setFocus()
        self.panel.question.selectAll()

    def _context(self) -> AssistContext:
        return self.window.session.assist_context()

    # -- answers ---------------------------------------------------------------------------
    def ask(self, question: str, *, suggestion: bool = False) -> None:
        if self._handle is not None and not self._handle.done:
            self._handle.cancel()  # a newer question makes the old answer stale
        self._generation += 1
        generation = self._generation
        context = self._context()
        service = self.service
        self.panel.begin("고객 발화 기반 제안" if suggestion else f"질문: {question}")

        def work(ctx):
            def reset(notice: str) -> None:
                ctx.emit(("reset", notice))

            kwargs = {"on_token": lambda t: ctx.emit(("token", t)), "cancel": lambda: ctx.cancelled,
                      "on_reset": reset}
            try:
                if suggestion:
                    return service.suggest(question, context, **kwargs)
                return service.answer(question, context, **kwargs)
            except AssistantCancelled:
                raise TaskCancelled() from None

        def partial(item) -> None:
            if generation != self._generation:
                return
            kind, value = item
            if kind == "token":
                self.panel.append_token(value)
            else:
                self.panel.reset_stream(value)

        def done(answer) -> None:
            if generation == self._generation:
                self.panel.show_answer(answer)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                log.error("assistant answer failed: %r", exc)
                self.panel.show_notice(f"답변 실패: {user_message(exc)}")

        self._handle = self.window.tasks.run(work, on_success=done, on_failure=failed, on_partial=partial,
                                             kind=TaskKind.IO)

    def _on_line(self, line: TranscriptLine) -> None:
        if line.speaker is not Speaker.CALLER:
            return
        escalation = detect_escalation(line.text)
        if escalation is not None:
            self.last_escalation = escalation
            self.window.alert_banner.show_message(escalation.message, level="warning", action="이관 기록",
                                                  on_action=self._record_transfer)
            self.window.record_event("escalation", escalation.as_payload())
        self._pending_utterance = line.text
        self._debounce.start()

    def _suggest_now(self) -> None:
        if self._pending_utterance:
            self.ask(self._pending_utterance, suggestion=True)
            self._pending_utterance = None

    def _record_transfer(self) -> None:
        if self.last_escalation is None:
            return
        self.window.record_event("escalation_transfer", self.last_escalation.as_payload())
        self.window.statusBar().showMessage(f"이관 기록: {self.last_escalation.suggested_transfer}", 5000)
        self.window.alert_banner.hide()

    # -- wrap-up ---------------------------------------------------------------------------
    def open_wrapup(self, recorder: ConsultationRecorder) -> None:
        service = self.service
        catalog = service.catalog
        names = (self.window.caller.profile.name,) if self.window.caller else ()
        session = self.window.session

        customer = session.caller.profile if session.caller else None

        def work(_ctx):
            wrap = with_parties(build_summary(recorder, catalog), customer=customer, agent_id=recorder.agent_id)
            online = service.online
            if online is not None and hasattr(online, "summarize") and wrap.generated_by != "saved":
                try:
                    transcript = "\n".join(f"{ln.speaker.label}: {ln.text}" for ln in recorder.lines)
                    text = online.summarize(transcript, names, facts=wrap.summary_text)
                    if text:
                        wrap = replace(wrap, summary_text=wrap.summary_text.splitlines()[0] + "\n" + text,
                                       generated_by="openai")
                except Exception as exc:  # noqa: BLE001 - the extractive summary stands, with the cause
                    wrap = replace(wrap, extra={**wrap.extra, "notice": summary_failure_notice(exc)})
            return wrap

        def failed(exc: BaseException) -> None:
            # Never lose the call: close it with the agent's notes and say why no summary was shown.
            log.error("wrap-up summary failed: %s", exc)
            self.window.finish_consultation(recorder.notes, "기타")
            self.window.statusBar().showMessage("요약 생성에 실패해 상담 메모로 저장했습니다. 상담 이력에서 확인해 주세요.",
                                                10000)

        self.window.tasks.run(work, on_success=lambda wrap: self._show_dialog(session, recorder, wrap),
                              on_failure=failed, kind=TaskKind.IO)

    def _show_dialog(self, session: object, recorder: ConsultationRecorder, wrap) -> None:  # noqa: ANN001
        if session is not self.window.session:
            return  # the window moved on (closed) while the summary was being built
        self.dialog = WrapUpDialog(self.window, recorder, wrap)
        self.dialog.open()


def install(window: MainWindow) -> None:
    window.assistant = AssistantFeature(window)  # type: ignore[attr-defined]
