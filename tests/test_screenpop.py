"""The screen-pop contract end to end: a real window process takes `ktcs call` numbers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ktcs_desktop.core.screenpop import decode_message, encode_call, instance_address, send_call

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="Unix socket path in this test")


def test_message_format_round_trips_and_rejects_garbage() -> None:
    assert decode_message(encode_call("01012345678")) == "01012345678"
    for raw in (b"", b"\xff\xfe", b"[1, 2]", b'{"call": 5}', b'{"other": "x"}'):
        assert decode_message(raw) is None


def test_no_window_means_no_delivery(tmp_path: Path) -> None:
    assert not send_call(instance_address(tmp_path), "01012345678", timeout_s=0.5)


def test_ktcs_call_reaches_the_running_window(tmp_path: Path) -> None:
    env = {**os.environ, "KTCS_HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen",
           "KTCS_KNOWLEDGE_WORKER": "0", "KTCS_USE_KEYRING": "0", "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "window.log"
    data_dir = tmp_path / "home" / "data"
    with log.open("w") as out:
        window = subprocess.Popen([sys.executable, "-m", "ktcs_desktop.ui.app", "--call", "010-1234-5678"],
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        address = instance_address(data_dir)
        deadline = time.monotonic() + 60
        while not Path(address).exists() and time.monotonic() < deadline:
            assert window.poll() is None, log.read_text()
            time.sleep(0.2)
        assert Path(address).exists(), log.read_text()
        result = subprocess.run([sys.executable, "-c", "import sys; from ktcs_desktop.cli import main; sys.exit(main())", "call", "010-8765-4321", "--no-start"],
                                env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "전달했습니다" in result.stdout
        # A second window on the same profile does not start: it hands its number over and exits.
        second = subprocess.run([sys.executable, "-m", "ktcs_desktop.ui.app", "--call", "010-5555-6666"],
                                env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 0
        assert window.poll() is None  # the first window still runs
    finally:
        window.terminate()
        try:
            window.wait(timeout=20)
        except subprocess.TimeoutExpired:
            window.kill()
    # The window opened a call for its own --call; the later numbers arrived during that live
    # call, so they wait for the agent's choice (the switch prompt) instead of replacing it.
    from sqlalchemy import select

    from ktcs_desktop.core.storage.database import Database
    from ktcs_desktop.core.storage.schema import ConsultationRow, CustomerRow

    db = Database(f"sqlite:///{(data_dir / 'ktcs.sqlite3').as_posix()}")
    try:
        with db.session() as s:
            phones = [phone for (phone,) in s.execute(
                select(CustomerRow.phone).join(ConsultationRow, ConsultationRow.customer_id == CustomerRow.id)
                .where(ConsultationRow.session_key.is_not(None)).order_by(ConsultationRow.id))]
        assert phones == ["01012345678"]
    finally:
        db.dispose()
