"""The window's end of the screen-pop contract (core/screenpop.py): a QLocalServer that takes
incoming-call messages and hands each number to a callback on the GUI thread."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from ktcs_desktop.core.screenpop import decode_message

log = logging.getLogger(__name__)


class ScreenPopServer(QObject):
    def __init__(self, address: str, on_call: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.address = address
        self.on_call = on_call
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)  # this OS user only
        self.server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        if sys.platform != "win32" and Path(self.address).exists():
            QLocalServer.removeServer(self.address)  # a stale socket left by a crash (we hold the lock)
        if not self.server.listen(self.address):
            log.error("screen pop: cannot listen on %s: %s", self.address, self.server.errorString())
            return False
        return True

    def close(self) -> None:
        self.server.close()

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            sock.readyRead.connect(lambda s=sock: self._read(s))
            sock.disconnected.connect(sock.deleteLater)

    def _read(self, sock: QLocalSocket) -> None:
        if not sock.canReadLine():
            return
        phone = decode_message(bytes(sock.readLine().data()))
        ok = phone is not None
        sock.write(b'{"ok": true}\n' if ok else b'{"ok": false}\n')
        sock.flush()
        sock.disconnectFromServer()
        if phone is not None:
            self.on_call(phone)
