"""The call as the unit of work: one `CallSession` owns a call's caller, transcript, notes,
events and wrap-up, with explicit states and typed events the UI subscribes to.

States: 대기 (IDLE: between calls; notes typed here are kept and carried into the call) →
통화 중 (LIVE) → 후처리 (WRAP_UP: the wrap-up is open; cancelling it returns to LIVE) →
종료 (ENDED). A session's caller is set once: an unidentified call may be identified, but a
different customer is never attached; switching caller means ending this session and opening
a new one (`CallDesk` decides, the agent chooses).

Persistence is the `ConsultationRecorder` (journal first, idempotent DB writes); the session
never touches the database itself, so it is usable from the CLI, tests and the UI alike.
Listeners run synchronously on the thread that changes the session (the GUI thread in the app).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ktcs_desktop.core.assistant.models import AssistContext
from ktcs_desktop.core.errors import KtcsError
from ktcs_desktop.core.models import CallerLookup, Speaker, TranscriptLine
from ktcs_desktop.core.services.recorder import ConsultationRecorder, new_session_key

log = logging.getLogger(__name__)


class CallState(enum.Enum):
    IDLE = "대기"
    LIVE = "통화 중"
    WRAP_UP = "후처리"
    ENDED = "종료"


ALLOWED_TRANSITIONS: dict[CallState, frozenset[CallState]] = {
    CallState.IDLE: frozenset({CallState.LIVE, CallState.ENDED}),
    CallState.LIVE: frozenset({CallState.WRAP_UP, CallState.ENDED}),
    CallState.WRAP_UP: frozenset({CallState.LIVE, CallState.ENDED}),
    CallState.ENDED: frozenset(),
}


class CallStateError(KtcsError):
    """An operation the session's state does not allow (a programming error or a stale click)."""


class CallerMismatchError(KtcsError):
    """Another customer than the session's: the agent must choose (end and start new, or view only)."""


# -- events the UI subscribes to --------------------------------------------------------------
@dataclass(frozen=True)
class StateChanged:
    old: CallState
    new: CallState


@dataclass(frozen=True)
class CallerChanged:
    caller: CallerLookup | None


@dataclass(frozen=True)
class LineAdded:
    line: TranscriptLine


@dataclass(frozen=True)
class EventRecorded:
    seq: int
    kind: str
    payload: dict


@dataclass(frozen=True)
class NotesSaved:
    notes: str


@dataclass(frozen=True)
class WrapUpSaved:
    summary: str
    outcome: str | None
    final: bool


SessionEvent = StateChanged | CallerChanged | LineAdded | EventRecorded | NotesSaved | WrapUpSaved
Listener = Callable[["CallSession", SessionEvent], None]
RecorderFactory = Callable[[str, int | None], ConsultationRecorder]  # (session key, customer id)


class CallSession:
    """One call, from the screen pop (or 상담 시작) to the saved wrap-up."""

    def __init__(self, recorder_factory: RecorderFactory, *, caller: CallerLookup | None = None,
                 notes: str = "", key: str | None = None) -> None:
        self.key = key or new_session_key()
        self._recorder_factory = recorder_factory
        self._caller = caller
        self._state = CallState.IDLE
        self._idle_notes = notes
        self.recorder: ConsultationRecorder | None = None
        self._listeners: list[Listener] = []
        self.created_at = datetime.now().replace(microsecond=0)

    # -- observation -----------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, event: SessionEvent) -> None:
        for listener in list(self._listeners):
            listener(self, event)

    @property
    def state(self) -> CallState:
        return self._state

    @property
    def caller(self) -> CallerLookup | None:
        return self._caller

    @property
    def customer_id(self) -> int | None:
        return self._caller.profile.id if self._caller else None

    @property
    def is_active(self) -> bool:
        """A call is in progress (live or in wrap-up): switching caller needs the agent's choice."""
        return self._state in (CallState.LIVE, CallState.WRAP_UP)

    @property
    def lines(self) -> tuple[TranscriptLine, ...]:
        return tuple(self.recorder.lines) if self.recorder else ()

    @property
    def notes(self) -> str:
        return self.recorder.notes if self.recorder else self._idle_notes

    @property
    def events(self) -> tuple[tuple[int, str, dict], ...]:
        return tuple(self.recorder.events) if self.recorder else ()

    @property
    def summary(self) -> str:
        return self.recorder.summary if self.recorder else ""

    @property
    def started_at(self) -> datetime | None:
        return self.recorder.started_at if self.recorder else None

    def elapsed_s(self, now: datetime | None = None) -> int:
        if self.recorder is None:
            return 0
        end = self.recorder.ended_at or now or datetime.now()
        return max(0, int((end - self.recorder.started_at).total_seconds()))

    def assist_context(self, today: date | None = None) -> AssistContext:
        """What the assistant may know: this session's caller and transcript, nothing else."""
        return AssistContext(lookup=self._caller, transcript=self.lines, today=today)

    def transferred(self) -> list[dict]:
        """Transfers the agent actually recorded in this call (the wrap-up proposes only these)."""
        return [payload for _seq, kind, payload in self.events if kind == "escalation_transfer"]

    # -- transitions -----------------------------------------------------------------------
    def _move(self, new: CallState) -> None:
        old = self._state
        if new not in ALLOWED_TRANSITIONS[old]:
            raise CallStateError(f"'{old.value}' 상태에서는 '{new.value}'(으)로 바꿀 수 없습니다.",
                                 detail=f"{old.name}->{new.name}")
        self._state = new
        self._emit(StateChanged(old, new))

    def start(self) -> ConsultationRecorder:
        """Begin the call: the consultation is created (journal first) with the caller, if known,
        and the notes typed while waiting."""
        if self._state is not CallState.IDLE:
            raise CallStateError("이미 시작된 상담입니다.", detail=self._state.name)
        self.recorder = self._recorder_factory(self.key, self.customer_id)
        if self._idle_notes.strip():
            self.recorder.save_notes(self._idle_notes)
        self._move(CallState.LIVE)
        return self.recorder

    def set_caller(self, caller: CallerLookup) -> None:
        """Set (or refresh) the caller. Allowed while waiting, or to identify an unidentified
        call; a different customer during a call raises CallerMismatchError."""
        if self._state is CallState.ENDED:
            raise CallStateError("종료된 상담입니다.", detail="ENDED")
        same = self._caller is not None and self._caller.profile.id == caller.profile.id
        if self._caller is not None and not same and self.is_active:
            raise CallerMismatchError("다른 고객입니다: 현재 통화를 종료하고 새 상담을 시작하거나, 조회만 하세요.",
                                      detail=f"{self._caller.profile.id}->{caller.profile.id}")
        identified_now = self._caller is None and self.recorder is not None
        self._caller = caller
        if self.recorder is not None and not same:
            self.recorder.attach_customer(caller.profile.id)
        if identified_now:
            self.record_event("caller_identified", {"customer_id": caller.profile.id})
        self._emit(CallerChanged(caller))

    def clear_caller(self) -> None:
        """An unknown number looked up while waiting: the previous caller's card goes away."""
        if self.is_active and self._caller is not None:
            raise CallerMismatchError("통화 중인 고객 정보는 지울 수 없습니다.", detail="clear during call")
        if self._caller is not None:
            self._caller = None
            self._emit(CallerChanged(None))

    def add_line(self, speaker: Speaker, text: str) -> TranscriptLine:
        self._require_call("대화를 기록")
        assert self.recorder is not None
        line = self.recorder.add_line(speaker, text)
        self._emit(LineAdded(line))
        return line

    def save_notes(self, notes: str) -> None:
        if self._state is CallState.ENDED:
            return  # the wrap-up was saved; the notes box is read-only by then
        if self.recorder is None:
            if notes != self._idle_notes:
                self._idle_notes = notes
                self._emit(NotesSaved(notes))
            return
        if notes != self.recorder.notes:
            self.recorder.save_notes(notes)
            self._emit(NotesSaved(notes))

    def record_event(self, kind: str, payload: dict[str, Any]) -> int:
        self._require_call("기록")
        assert self.recorder is not None
        seq = self.recorder.add_event(kind, payload)
        self._emit(EventRecorded(seq, kind, payload))
        return seq

    def begin_wrap_up(self) -> None:
        if self._state is CallState.IDLE:  # ending a call that never started: nothing to wrap up
            raise CallStateError("진행 중인 상담이 없습니다.", detail="IDLE")
        if self._state is CallState.LIVE:
            self._move(CallState.WRAP_UP)

    def resume_call(self) -> None:
        """The agent closed the wrap-up without saving: the call goes on."""
        if self._state is CallState.WRAP_UP:
            self._move(CallState.LIVE)

    def save_draft(self, summary: str, outcome: str | None = None) -> bool:
        """Autosaved wrap-up text; never replaces the final summary (returns False then)."""
        if self.recorder is None or self._state is CallState.ENDED:
            return False
        saved = self.recorder.save_summary(summary, outcome)
        if saved:
            self._emit(WrapUpSaved(summary, outcome, False))
        return saved

    def finish(self, summary: str, outcome: str) -> None:
        """Save the agent's final summary and close the consultation."""
        if self._state is CallState.ENDED:
            return
        if self.recorder is None:  # nothing was recorded: the session simply ends
            self._move(CallState.ENDED)
            return
        self.recorder.close(summary=summary, outcome=outcome)
        self._emit(WrapUpSaved(summary, outcome, True))
        self._move(CallState.ENDED)

    def _require_call(self, what: str) -> None:
        if self._state not in (CallState.LIVE, CallState.WRAP_UP) or self.recorder is None:
            raise CallStateError(f"상담이 진행 중이 아니어서 {what}할 수 없습니다.", detail=self._state.name)
