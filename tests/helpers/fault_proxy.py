"""Fault injection for database tests. A loopback TCP proxy in front of MariaDB/MySQL that injects the faults a floor sees:

- `down()`: every connection is cut and new ones are refused (an outage) until `up()`.
- `drop_next_commit_ack()`: the next COMMIT reaches the server, which commits, but its OK never
  reaches the client: the connection is cut instead (a lost acknowledgement).

It reads the MySQL client/server protocol only as far as needed: a COM_QUERY packet whose
statement is COMMIT (`\\x03COMMIT` after the 4-byte packet header).
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from collections.abc import Iterator

from ktcs_desktop.core.errors import DatabaseUnavailableError
from ktcs_desktop.core.storage.database import Database


class FaultySqlite(Database):
    """The same faults for SQLite, in-process: `down` (every session fails) and `drop_ack` (the
    next commit happens, then the caller is told the connection was lost)."""

    down = False
    drop_ack = False

    @contextlib.contextmanager
    def session(self) -> Iterator:  # type: ignore[override]
        if self.down:
            raise DatabaseUnavailableError(detail="injected outage")
        with super().session() as s:
            yield s
        if self.drop_ack:
            self.drop_ack = False
            raise DatabaseUnavailableError(detail="injected lost acknowledgement")


PUMP_THREAD = "fault-proxy-pump"


class FaultProxy:
    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 3306) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._down = False
        self._drop_ack = False
        self.acks_dropped = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="fault-proxy", daemon=True)

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def url(self, base_url: str) -> str:
        """The SQLAlchemy URL of `base_url` pointed at this proxy."""
        from sqlalchemy.engine import make_url

        return make_url(base_url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    # -- faults ----------------------------------------------------------------------------
    def down(self) -> None:
        with self._lock:
            self._down = True
            pairs, self._pairs = self._pairs, []
        for client, server in pairs:
            _close(client)
            _close(server)

    def up(self) -> None:
        with self._lock:
            self._down = False

    def cancel_faults(self) -> None:
        with self._lock:
            self._drop_ack = False

    def drop_next_commit_ack(self) -> None:
        with self._lock:
            self._drop_ack = True

    def stop(self) -> None:
        self._stop.set()
        self.down()
        _close(self._listener)
        self._thread.join(timeout=5)

    @staticmethod
    def live_pumps() -> int:
        """Connection threads still running (one per open client connection)."""
        return sum(1 for t in threading.enumerate() if t.name == PUMP_THREAD)

    # -- plumbing --------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                down = self._down
            if down:
                _close(client)
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), name=PUMP_THREAD, daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ, "c2s")
        sel.register(server, selectors.EVENT_READ, "s2c")
        commit_in_flight = False
        pair = (client, server)
        try:
            # Until the pair is cut: `down()` closes both sockets from another thread, and epoll
            # silently forgets a closed socket, so select() alone would wait here forever (a
            # thread per connection ever cut, thousands over a long state-machine run).
            while not self._stop.is_set():
                with self._lock:
                    if pair not in self._pairs:
                        return
                for key, _ in sel.select(timeout=0.5):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    if key.data == "c2s":
                        if b"\x03COMMIT" in data[:16]:
                            with self._lock:
                                commit_in_flight = self._drop_ack
                                self._drop_ack = False
                        server.sendall(data)
                    else:
                        if commit_in_flight:  # the server committed; its OK is lost
                            with self._lock:
                                self.acks_dropped += 1
                            return
                        client.sendall(data)
        except OSError:
            return
        finally:
            sel.close()
            _close(client)
            _close(server)
            with self._lock:
                with contextlib.suppress(ValueError):
                    self._pairs.remove((client, server))


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
