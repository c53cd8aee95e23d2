"""What comes back: model output is redacted and stripped of prompt delimiters before display;
log records are redacted before they reach a file."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

from ktcs_desktop.core.privacy.redactor import redact

# <caller_utterances>, </caller_utterances >, < / AGENT_QUESTION>, <transcript foo="x"> …
DELIMITER_TAGS = ("caller_utterances", "agent_question", "transcript")
_DELIMITER = re.compile(
    r"<\s*/?\s*(?:" + "|".join(t.replace("_", r"[\s_-]*") for t in DELIMITER_TAGS) + r")\b[^<>]*>", re.I)


def strip_delimiters(text: str) -> str:
    """Remove anything that looks like one of our prompt delimiters (any case, spaces, attributes)."""
    return _DELIMITER.sub("", text)


def filter_model_output(text: str, *, names: Iterable[str] | str | None = ()) -> str:
    """Model text as it may be shown: delimiters removed, PII replaced by placeholders."""
    return redact(strip_delimiters(text), names=names)


class StreamRedactor:
    """Wraps a token callback so streamed model text is filtered before display.

    The whole text so far is filtered on every token; the newest `hold_back` characters wait
    (a number may still be arriving). If filtering changes text already shown, the live stream
    stops and only the final, filtered answer (which replaces the streamed text) is shown.
    """

    def __init__(self, on_token: Callable[[str], None] | None, *, names: Iterable[str] | str | None = (),
                 hold_back: int = 40) -> None:
        self.on_token = on_token
        self.names = names
        self.hold_back = hold_back
        self.raw = ""
        self.shown = ""
        self.stalled = False

    def __call__(self, token: str) -> None:
        self.raw += token
        if self.on_token is None or self.stalled:
            return
        filtered = filter_model_output(self.raw, names=self.names)
        self._emit(filtered[:max(0, len(filtered) - self.hold_back)])

    def flush(self) -> None:
        """Show the rest (end of the stream)."""
        if self.on_token is not None and not self.stalled:
            self._emit(filter_model_output(self.raw, names=self.names))

    def _emit(self, safe: str) -> None:
        if not safe.startswith(self.shown):
            self.stalled = True  # a span grew back over shown text: wait for the final answer
            return
        delta = safe[len(self.shown):]
        if delta:
            self.shown = safe
            assert self.on_token is not None
            self.on_token(delta)


class RedactingLogFilter(logging.Filter):
    """Replaces a record's message with its redacted form (a file log never holds PII)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is logging's problem, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
