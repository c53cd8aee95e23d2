"""Stateful test of the call as the unit of work: CallDesk + CallSession + recorder + repositories
under random interleavings of lookups (same, other, unknown), screen pops, lines, notes, offers,
switch-caller choices, wrap-up, DB outages and returns, lost acknowledgements (after COMMIT),
process kills and recovery — on SQLite and on MariaDB (through a loopback fault proxy).

Invariants: every line and event the agent saw is stored exactly once, under the customer the
session had when it was added; notes and the final summary are the last ones the agent wrote;
no consultation stays open without a live session, and recovery never closes a live one.

Examples: KTCS_STATEFUL_EXAMPLES (CI sets 1000 per backend; 150 locally by default).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from ktcs_desktop.core.call import CallDesk, CallState, LookupDecision
from ktcs_desktop.core.errors import DatabaseUnavailableError
from ktcs_desktop.core.models import CallerLookup, Page, Speaker, UsageSummary
from ktcs_desktop.core.services.recorder import ConsultationRecorder, recover_journals
from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.repositories import ConsultationRepository, CustomerRepository
from ktcs_desktop.core.storage.schema import ConsultationRow
from ktcs_desktop.core.storage.seed import seed_database
from tests.helpers.fault_proxy import FaultProxy, FaultySqlite

EXAMPLES = int(os.environ.get("KTCS_STATEFUL_EXAMPLES", "150"))
STEPS = int(os.environ.get("KTCS_STATEFUL_STEPS", "20"))


@dataclass
class Backend:
    app_db: Database  # what the desktop writes through (faults injected)
    truth_db: Database  # a direct connection to read what was stored
    proxy: FaultProxy | None = None
    acks_dropped: int = 0

    def outage(self) -> None:
        if self.proxy is not None:
            self.proxy.down()
        else:
            self.app_db.down = True  # type: ignore[attr-defined]

    def restore(self) -> None:
        if self.proxy is not None:
            self.proxy.up()
        else:
            self.app_db.down = False  # type: ignore[attr-defined]

    def calm(self) -> None:
        """No fault armed any more (the end of an example)."""
        self.restore()
        if self.proxy is not None:
            self.proxy.cancel_faults()
        else:
            self.app_db.drop_ack = False  # type: ignore[attr-defined]

    def lose_next_ack(self) -> None:
        if self.proxy is not None:
            self.proxy.drop_next_commit_ack()
        else:
            self.app_db.drop_ack = True  # type: ignore[attr-defined]


@dataclass
class Expected:
    customer_id: int | None = None
    lines: list[tuple[int, str, int | None]] = field(default_factory=list)  # (seq, text, customer when added)
    events: list[int] = field(default_factory=list)
    notes: str | None = None
    summary: str | None = None


def _caller(profile) -> CallerLookup:  # noqa: ANN001
    return CallerLookup(profile=profile, age=40, usage=UsageSummary(months=()), history=Page((), 0, 0, 20))


class CallMachine(RuleBasedStateMachine):
    backend: Backend
    profiles: list

    def __init__(self) -> None:
        super().__init__()
        self.backend.calm()
        self.dir = Path(tempfile.mkdtemp(prefix="ktcs-stateful-"))
        self.repo = ConsultationRepository(self.backend.app_db)
        self.desk = self._new_process()
        self.expected: dict[str, Expected] = {}
        self.live: list[ConsultationRecorder] = []  # recorders of this "process" not yet settled
        self.counter = 0

    def _new_process(self) -> CallDesk:
        return CallDesk(self.repo, self.dir, "agent-stateful")

    def _text(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix} {self.counter}"

    def _track(self) -> None:
        recorder = self.desk.session.recorder
        if recorder is not None and recorder not in self.live:
            self.live.append(recorder)
            self.expected[recorder.key] = Expected(customer_id=self.desk.session.customer_id)

    def _exp(self) -> Expected:
        recorder = self.desk.session.recorder
        assert recorder is not None
        return self.expected[recorder.key]

    def _finish(self, summary: str) -> None:
        session = self.desk.session
        if session.is_active:
            session.begin_wrap_up()
            session.finish(summary, "안내 완료")
            self._exp().summary = summary

    # -- the agent -------------------------------------------------------------------------
    @rule(which=st.sampled_from(["same", "other", "unknown"]), choice=st.sampled_from(["new", "view"]),
          index=st.integers(0, 10))
    def lookup(self, which: str, choice: str, index: int) -> None:
        session = self.desk.session
        if which == "unknown":
            if session.state is CallState.ENDED:
                self.desk.replace_session(None)
            elif not session.is_active:
                session.clear_caller()
            return  # during a call: only a message, nothing changes
        if which == "same" and session.caller is not None:
            found = session.caller
        else:
            found = _caller(self.profiles[index % len(self.profiles)])
        decision = self.desk.decide(found)
        if decision is LookupDecision.ASK:
            if choice == "new":  # 현재 상담 종료 후 새 상담
                self._finish(self._text("전환 요약"))
                self.desk.open_screen_pop(found)
                self._track()
            return  # 조회만: nothing is attached
        if session.state is CallState.ENDED:
            self.desk.replace_session(found)
            return
        was_unidentified = session.is_active and session.caller is None
        session.set_caller(found)
        if was_unidentified:
            self._exp().customer_id = found.profile.id
            self._exp().events.append(len(self._exp().events) + 1)  # caller_identified

    @rule(index=st.integers(0, 10), known=st.booleans())
    def screen_pop(self, index: int, known: bool) -> None:
        if self.desk.session.is_active:
            self._finish(self._text("수신 전 요약"))
        caller = _caller(self.profiles[index % len(self.profiles)]) if known else None
        self.desk.open_screen_pop(caller)
        self._track()

    @rule()
    def start(self) -> None:
        if not self.desk.session.is_active:
            self.desk.start_call()
            self._track()

    @precondition(lambda self: self.desk.session.is_active)
    @rule(speaker=st.sampled_from([Speaker.CALLER, Speaker.AGENT]))
    def line(self, speaker: Speaker) -> None:
        text = self._text("대화")
        line = self.desk.session.add_line(speaker, text)
        self._exp().lines.append((line.seq, text, self.desk.session.customer_id))

    @rule()
    def notes(self) -> None:
        text = self._text("메모")
        self.desk.session.save_notes(text)
        if self.desk.session.recorder is not None and self.desk.session.state is not CallState.ENDED:
            self._exp().notes = text

    @precondition(lambda self: self.desk.session.is_active)
    @rule()
    def offer(self) -> None:
        seq = self.desk.session.record_event("offer", {"plan_name": "5G 슬림 14GB", "effective_fee": 41250})
        self._exp().events.append(seq)

    @precondition(lambda self: self.desk.session.state is CallState.LIVE)
    @rule(late_draft=st.booleans())
    def wrap_up(self, late_draft: bool) -> None:
        session = self.desk.session
        session.begin_wrap_up()
        session.save_draft(self._text("초안"), "기타")
        final = self._text("최종 요약")
        session.finish(final, "안내 완료")
        self._exp().summary = final
        if late_draft:  # an autosave that arrives after the final save
            assert not session.save_draft(self._text("늦은 초안"), "기타")

    @rule()
    def flush(self) -> None:
        for recorder in list(self.live):
            try:
                recorder.flush()
            except DatabaseUnavailableError:
                pass
            if recorder.settled:
                self.live.remove(recorder)

    # -- the world -------------------------------------------------------------------------
    @rule()
    def outage(self) -> None:
        self.backend.outage()

    @rule()
    def restore(self) -> None:
        self.backend.restore()

    @rule()
    def lost_ack(self) -> None:
        self.backend.lose_next_ack()

    @rule()
    def kill_and_restart(self) -> None:
        """The app dies (its locks go with it) and starts again: recovery runs at start."""
        for recorder in self.live:
            recorder._retry_after = 0.0
            recorder.release_lock()
        self.live = []
        self.desk = self._new_process()
        with contextlib.suppress(DatabaseUnavailableError):
            recover_journals(self.dir, self.repo)

    @rule()
    def recover(self) -> None:
        """What the window does when the database comes back: recovery never touches live calls."""
        recover_journals(self.dir, self.repo)

    @invariant()
    def the_caller_never_changes_under_a_call(self) -> None:
        session = self.desk.session
        if session.recorder is not None and session.is_active:
            exp = self.expected[session.recorder.key]
            assert session.recorder.customer_id == exp.customer_id == session.customer_id

    # -- the end: everything reaches the database once ---------------------------------------
    def teardown(self) -> None:
        try:
            self.backend.calm()
            live_key = self.desk.session.recorder.key if self.desk.session.recorder is not None else None
            live_open = self.desk.session.is_active
            for recorder in self.live:
                recorder._retry_after = 0.0
                recorder.flush()
            report = recover_journals(self.dir, self.repo)
            assert report.failed == 0, report
            self._check(live_key if live_open else None)
        finally:
            for recorder in self.live:
                recorder.release_lock()
            shutil.rmtree(self.dir, ignore_errors=True)

    def _check(self, live_key: str | None) -> None:
        truth = ConsultationRepository(self.backend.truth_db)
        with self.backend.truth_db.session() as s:
            rows = {r.session_key: (r.id, r.status) for r in s.execute(select(ConsultationRow)).scalars()
                    if r.session_key in self.expected}
        for key, exp in self.expected.items():
            assert key in rows, f"consultation {key} never stored"
            cid, status = rows[key]
            stored = truth.get(cid)
            assert [(ln.seq, ln.text) for ln in stored.lines] == [(seq, text) for seq, text, _ in exp.lines], key
            for _seq, _text, customer in exp.lines:
                assert customer in (None, exp.customer_id)  # identified later at most, never switched
            assert stored.customer_id == exp.customer_id, key
            assert sorted(e.seq for e in stored.events if e.seq is not None) == exp.events, key
            if exp.notes is not None:
                assert stored.notes == exp.notes, key
            if exp.summary is not None:
                assert stored.summary == exp.summary, key
            if key == live_key:
                assert status == "open", "recovery closed a live call"
            else:
                assert status == "closed", f"{key} left open without a live session"


def _profiles(db: Database) -> list:
    customers = CustomerRepository(db)
    phones = ["01012345678", "01098765432", "01055556666", "01087654321", "01099998888"]
    return [p for p in (customers.by_phone(phone) for phone in phones) if p is not None]


def _run(backend: Backend) -> None:
    profiles = _profiles(backend.truth_db)
    assert len(profiles) >= 3
    CallMachine.backend = backend
    CallMachine.profiles = profiles
    run_state_machine_as_test(CallMachine, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much], database=None))


def test_call_sessions_store_everything_exactly_once_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'stateful.sqlite3').as_posix()}"
    app_db = FaultySqlite(url)
    app_db.upgrade()
    seed_database(app_db, agent_id="seed")
    truth = Database(url)
    try:
        _run(Backend(app_db, truth))
    finally:
        app_db.dispose()
        truth.dispose()


@pytest.mark.mysql
def test_call_sessions_store_everything_exactly_once_mariadb(mysql_database_url: str) -> None:
    truth = Database(mysql_database_url)
    if CustomerRepository(truth).count() == 0:
        seed_database(truth, agent_id="seed")
    proxy = FaultProxy().start()
    app_db = Database(proxy.url(mysql_database_url), connect_timeout=2)
    try:
        _run(Backend(app_db, truth, proxy))
        assert proxy.acks_dropped > 0  # the fault was really injected
        # A cut connection's thread ends (it once waited forever: thousands of threads by 2,000
        # examples); what remains is at most the pool's open connections.
        time.sleep(1.0)
        assert proxy.live_pumps() <= 10, proxy.live_pumps()
    finally:
        proxy.stop()
        app_db.dispose()
        truth.dispose()


_ = date
