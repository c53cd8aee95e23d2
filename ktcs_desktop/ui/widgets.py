"""Small reusable widgets: panes with a title, banners, badges."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)


class Pane(QFrame):
    """A titled white card; subclasses add their content to `self.body`."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Pane")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 10)
        outer.setSpacing(6)
        self.header = QHBoxLayout()
        self.title_label = QLabel(title)
        self.title_label.setObjectName("PaneTitle")
        self.header.addWidget(self.title_label)
        self.header.addStretch(1)
        outer.addLayout(self.header)
        self.body = QVBoxLayout()
        self.body.setSpacing(6)
        outer.addLayout(self.body, 1)


class Banner(QFrame):
    """A dismissable message strip across the top of the window (errors, escalations).

    The action button belongs to the message on show: several features share one banner, so a
    click runs the callback given with the message currently shown, never an older one.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.icon = QLabel("⚠")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action = QPushButton()
        self.action.clicked.connect(self._run_action)
        self._on_action: Callable[[], None] | None = None
        self.close_button = QPushButton("닫기")
        self.close_button.clicked.connect(self.hide)
        self._focus_after_close: Callable[[], QWidget] | None = None
        for button in (self.action, self.close_button):
            button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.action, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def set_focus_after_close(self, target: Callable[[], QWidget]) -> None:
        """Where the keyboard goes when the banner closes under it (not the next field in the
        tab chain, e.g. the phone field)."""
        self._focus_after_close = target

    def hide(self) -> None:
        had_focus = self.isAncestorOf(QApplication.focusWidget()) if QApplication.focusWidget() else False
        target = self._focus_after_close() if (had_focus and self._focus_after_close) else None
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)  # before hiding: Qt would pick the next field
        super().hide()

    def show_message(self, text: str, *, level: str = "error", action: str | None = None,
                     on_action: Callable[[], None] | None = None, closable: bool = True) -> None:
        self.setProperty("level", level)
        repolish(self)
        self.icon.setText({"error": "⚠", "warning": "⚠", "info": "ℹ"}.get(level, "⚠"))
        self.text.setText(text)
        self.action.setVisible(action is not None and on_action is not None)
        self._on_action = on_action
        if action:
            self.action.setText(action)
        self.close_button.setVisible(closable)
        self.show()


    def _run_action(self) -> None:
        if self._on_action is not None:
            self._on_action()


def repolish(widget: QWidget) -> None:
    """Apply the application stylesheet again after an object name or a property it selects on
    changed (Qt only re-evaluates selectors at polish time)."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class RefitOnWidth:
    """Mixin for a widget that sizes itself to its wrapped content with `fit()`: a new width
    (wrapped rows or cards get taller when narrower) calls it again, after the layout pass."""

    def fit(self) -> None:
        raise NotImplementedError

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        super().resizeEvent(event)  # type: ignore[misc]
        if event.oldSize().width() != event.size().width():
            QTimer.singleShot(0, self.fit)


class FitsInScrollArea(RefitOnWidth):
    """Mixin for a list or table laid out at the height of its rows inside a pane's scroll area:
    it has no scrolling of its own, so the mouse wheel goes on to the scroll area."""

    def wheelEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        event.ignore()


class WrapLabel(QLabel):
    """A word-wrapped label whose height-for-width is computed once per width and text.

    QLabel lays its text out again (HarfBuzz shaping included) on every heightForWidth call, and
    nested layouts ask many times per pass: with a few dozen wrapped Korean labels on screen that
    was most of a lookup's GUI-thread time."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self._hfw: dict[int, int] = {}

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        if text != self.text():
            self._hfw.clear()
            super().setText(text)

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        height = self._hfw.get(width)
        if height is None:
            height = self._hfw[width] = super().heightForWidth(width)
        return height

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._hfw.clear()  # the stylesheet's font arrives at polish time
        super().changeEvent(event)


def badge(text: str, *, warn: bool = False) -> QLabel:
    label = QLabel(text)
    label.setObjectName("BadgeWarn" if warn else "Badge")
    return label


def placeholder(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("Placeholder")
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def clear_layout(layout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.deleteLater()
        elif item.layout() is not None:
            clear_layout(item.layout())
