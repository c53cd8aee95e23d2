"""The call as the unit of work: `CallSession` (one call's state, caller, transcript, notes,
events, wrap-up) and `CallDesk` (which session is current, what a lookup or screen pop means)."""

from ktcs_desktop.core.call.desk import CallDesk, LookupDecision, SwitchChoice
from ktcs_desktop.core.call.session import (
    ALLOWED_TRANSITIONS,
    CallerChanged,
    CallerMismatchError,
    CallSession,
    CallState,
    CallStateError,
    EventRecorded,
    LineAdded,
    NotesSaved,
    SessionEvent,
    StateChanged,
    WrapUpSaved,
)

__all__ = [
    "ALLOWED_TRANSITIONS", "CallDesk", "CallSession", "CallState", "CallStateError", "CallerChanged",
    "CallerMismatchError", "EventRecorded", "LineAdded", "LookupDecision", "NotesSaved", "SessionEvent",
    "StateChanged", "SwitchChoice", "WrapUpSaved",
]
