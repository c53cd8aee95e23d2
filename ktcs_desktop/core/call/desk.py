"""The agent's desk: which call session is current, and what a lookup or a screen pop means
for it. Qt-free; the main window renders `desk.session` and asks the agent when `decide()`
says so.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from pathlib import Path

from ktcs_desktop.core.call.session import CallSession, CallState
from ktcs_desktop.core.models import CallerLookup
from ktcs_desktop.core.services.recorder import ConsultationRecorder
from ktcs_desktop.core.storage.repositories import ConsultationRepository

log = logging.getLogger(__name__)


class LookupDecision(enum.Enum):
    SHOW = "show"  # no call in progress: the looked-up caller becomes this session's caller
    IDENTIFY = "identify"  # an unidentified call: this is who is calling
    REFRESH = "refresh"  # the same customer again
    ASK = "ask"  # another customer during a call: end it and start new, or only view


class SwitchChoice(enum.Enum):
    NEW_CALL = "new_call"  # end this call (wrap-up) and start one for the new caller
    VIEW_ONLY = "view_only"  # show that customer without attaching them to this call
    CANCEL = "cancel"


SessionListener = Callable[[CallSession | None, CallSession], None]  # (old, new)


class CallDesk:
    """Holds the current `CallSession` and replaces it, never mutating one call into another."""

    def __init__(self, repo: ConsultationRepository, sessions_dir: Path, agent_id: str) -> None:
        self.repo = repo
        self.sessions_dir = sessions_dir
        self.agent_id = agent_id
        self._listeners: list[SessionListener] = []
        self.session = self._new(None)

    def _new(self, caller: CallerLookup | None, notes: str = "") -> CallSession:
        return CallSession(self._make_recorder, caller=caller, notes=notes)

    def _make_recorder(self, key: str, customer_id: int | None) -> ConsultationRecorder:
        return ConsultationRecorder(self.repo, self.sessions_dir, self.agent_id, customer_id=customer_id,
                                    autoflush=False, key=key)

    def on_session_changed(self, listener: SessionListener) -> None:
        self._listeners.append(listener)

    def replace_session(self, caller: CallerLookup | None = None, *, keep_notes: bool = False) -> CallSession:
        """A fresh session (the previous one must be ended or idle). Notes typed while waiting
        come along when asked (the agent jotted them for the call that is starting)."""
        old = self.session
        if old.is_active:
            raise RuntimeError("the current call is still in progress")
        notes = old.notes if keep_notes and old.state is CallState.IDLE else ""
        self.session = self._new(caller, notes)
        for listener in list(self._listeners):
            listener(old, self.session)
        return self.session

    def decide(self, found: CallerLookup) -> LookupDecision:
        session = self.session
        if not session.is_active:
            return LookupDecision.SHOW
        if session.caller is None:
            return LookupDecision.IDENTIFY
        if session.caller.profile.id == found.profile.id:
            return LookupDecision.REFRESH
        return LookupDecision.ASK

    def start_call(self) -> CallSession:
        """상담 시작: the waiting session becomes the live call (a finished one is replaced first)."""
        if self.session.state is CallState.ENDED:
            self.replace_session(self.session.caller)
        if self.session.state is CallState.IDLE:
            self.session.start()
        return self.session

    def open_screen_pop(self, caller: CallerLookup | None) -> CallSession:
        """An incoming call from the phone system: a fresh, live session for that caller."""
        self.replace_session(caller, keep_notes=False)
        self.session.start()
        return self.session

    def live_recorders(self) -> list[ConsultationRecorder]:
        recorder = self.session.recorder
        return [recorder] if recorder is not None and not recorder.settled else []
