"""A whole call without the mouse: screen pop → identity check → caller line → escalation banner
(이관 기록) → notes (Tab leaves them) → a recommendation recorded → history → wrap-up saved.

Every step is a key event sent to whatever widget has the keyboard focus at that moment (as the
agent's keyboard would), never a click or a direct method call on the target widget.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit, QListWidget

from ktcs_desktop.core.call import CallState
from ktcs_desktop.ui.shortcuts import DIALOG_SHORTCUTS, SHORTCUT_TABLE

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def _focus():
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def _press(qtbot, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(_focus(), key, modifier)
    qtbot.wait(10)


def _type(qtbot, text: str) -> None:
    """Key events carrying the text (Hangul arrives committed, as from the IME; QTest.keyClicks
    only knows Latin-1 keys)."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(_focus(), QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier,
                                                       char))
    qtbot.wait(10)


def _tab_until(qtbot, predicate, limit: int = 40) -> None:
    for _ in range(limit):
        if predicate(_focus()):
            return
        _press(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached the target (focus: {_focus()!r})")


def test_a_call_from_screen_pop_to_saved_wrap_up_with_keys_only(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)

    # 1. The phone system pops the caller: a live call for 김철수, the keyboard ready to type.
    window.incoming_call("010-1234-5678")
    qtbot.waitUntil(lambda: window.session.state is CallState.LIVE and window.caller is not None, timeout=5000)
    assert window.caller.profile.name == "김철수"

    # 2. Identity check: Tab to the checklist, Space ticks, ↓ moves.
    checks = window.lookup_pane.checks
    _press(qtbot, Qt.Key.Key_L, CTRL)
    assert _focus() is window.lookup_pane.phone_edit
    _tab_until(qtbot, lambda w: w is checks)
    if checks.currentRow() < 0:
        _press(qtbot, Qt.Key.Key_Down)
    for _ in range(window.lookup_pane.REQUIRED_CHECKS):
        _press(qtbot, Qt.Key.Key_Space)
        _press(qtbot, Qt.Key.Key_Down)
    assert window.lookup_pane.identity_confirmed()

    # 3. A caller line with a cancellation request: Ctrl+I, type, Enter.
    _press(qtbot, Qt.Key.Key_I, CTRL)
    assert _focus() is window.conversation_pane.input
    _type(qtbot, "요금이 너무 비싸서 그냥 해지해 주세요")
    _press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.conversation_pane.transcript.count() == 1, timeout=5000)
    qtbot.waitUntil(lambda: window.alert_banner.isVisible(), timeout=5000)

    # 4. The banner's action (이관 기록) from the keyboard; the focus stays where the agent types.
    _press(qtbot, Qt.Key.Key_B, CTRL)
    qtbot.waitUntil(lambda: not window.alert_banner.isVisible(), timeout=5000)
    assert any(kind == "escalation_transfer" for _seq, kind, _payload in window.session.events)
    assert _focus() is window.conversation_pane.input, _focus()

    # 5. Notes: Ctrl+M, type; Ctrl+Tab is a literal tab; Tab leaves the notes (no keyboard trap).
    _press(qtbot, Qt.Key.Key_M, CTRL)
    notes = window.conversation_pane.notes
    assert _focus() is notes
    _type(qtbot, "해지 문의")
    _press(qtbot, Qt.Key.Key_Tab, CTRL)
    _type(qtbot, "이관")
    _press(qtbot, Qt.Key.Key_Tab)
    assert _focus() is not notes
    assert notes.toPlainText() == "해지 문의\t이관"

    # 6. A recommendation: Ctrl+2 chooses the second pick, Ctrl+Shift+A records it.
    pane = window.recommendation_pane
    qtbot.waitUntil(lambda: len(pane.cards) >= 2, timeout=10000)
    _press(qtbot, Qt.Key.Key_2, CTRL)
    assert pane.chosen == 1 and _focus() is pane.cards[1].add_button
    _press(qtbot, Qt.Key.Key_A, CTRL | SHIFT)
    qtbot.waitUntil(lambda: not pane.cards[1].add_button.isEnabled(), timeout=5000)
    kinds = [kind for _seq, kind, _payload in window.session.events]
    assert "offer" in kinds, kinds

    # 7. The history list: Ctrl+H, ↓ opens the next entry's detail.
    qtbot.waitUntil(lambda: window.history_pane.list.count() >= 1, timeout=5000)
    _press(qtbot, Qt.Key.Key_H, CTRL)
    assert isinstance(_focus(), QListWidget) and _focus() is window.history_pane.list
    assert window.history_pane.list.currentRow() == 0

    # 8. Ctrl+E from a one-line field (where some platforms' emacs keys would swallow it):
    #    the wrap-up opens; Ctrl+S saves it; the screen is clean for the next call.
    _press(qtbot, Qt.Key.Key_I, CTRL)
    assert isinstance(_focus(), QLineEdit)
    _press(qtbot, Qt.Key.Key_E, CTRL)
    feature = window.assistant
    qtbot.waitUntil(lambda: feature.dialog is not None and feature.dialog.isVisible(), timeout=10000)
    dialog = feature.dialog
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None
                    and QApplication.focusWidget().window() is dialog, timeout=5000)
    recorder = window.recorder
    _press(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: recorder.settled, timeout=10000)
    qtbot.waitUntil(lambda: window.session.state is not CallState.WRAP_UP, timeout=5000)
    saved = window.services.consultations.get(recorder.consultation_id)
    assert saved.summary and "해지 문의" in (saved.notes or "")


def test_help_lists_every_registered_shortcut(window) -> None:
    text = window.shortcuts_text()
    native = QKeySequence.SequenceFormat.NativeText
    for _sid, key, what in (*SHORTCUT_TABLE, *DIALOG_SHORTCUTS):
        assert f"{QKeySequence(key).toString(native)}\t{what}" in text
    # Every window row is bound (a QShortcut or its menu action), none twice.
    bound = [s.key().toString() for s in window.shortcuts.values()]
    bound += [a.shortcut().toString() for a in (window.new_action, window.end_action, window.quit_action,
                                                 window.lookup_action)]
    assert sorted(bound) == sorted(QKeySequence(key).toString() for _sid, key, _what in SHORTCUT_TABLE)
