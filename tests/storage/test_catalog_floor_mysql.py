"""Issue 12's "Done when": on MariaDB, two desktops as two processes pick up a price change a
supervisor approved, at their next lookup (and `ktcs plans` on each PC shows it); a rollback
reaches them the same way.

Every account is a real MariaDB account with the README's grants: the desktops' accounts may
read the catalog and seed/propose (SELECT, INSERT), the supervisor's account may also approve
(`ktcs db grants --supervisor`: UPDATE), `agent_roles` is written only by the administrator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from ktcs_desktop.core.catalog import load_shipped_catalog
from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.seed import seed_database
from tests.helpers.mysql_accounts import desktop_account

pytestmark = pytest.mark.mysql

REPO = Path(__file__).resolve().parents[2]
KTCS = [str(Path(sys.executable).parent / "ktcs")]  # the venv's console script, as on a PC
SLIM = "5g-slim-14gb"
PHONE = "01055556666"  # 최민수, on 5G 슬림 14GB


def _env(home: Path, url: str, agent: str, role: str = "agent") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KTCS_", "OPENAI_", "FIRECRAWL_"))}
    env.update(KTCS_USE_KEYRING="0", PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", KTCS_HOME=str(home),
               KTCS_DATABASE_URL=url, KTCS_AGENT_ID=agent, KTCS_AGENT_ROLE=role)
    return env


def _ktcs(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KTCS, *args], env=env, capture_output=True, text=True, timeout=180, cwd=REPO)


class Desktop:
    """A desktop process that stays up across the approval (tests/helpers/catalog_desktop.py)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self._log = log.open("w")
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.helpers.catalog_desktop", PHONE], env=env,
                                     cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                                     text=True)
        assert json.loads(self._line())["ready"]

    def _line(self) -> str:
        line = self.proc.stdout.readline()
        assert line, f"desktop exited: {self.proc.poll()}"
        return line

    def lookup(self) -> dict:
        self.proc.stdin.write("lookup\n")
        self.proc.stdin.flush()
        return json.loads(self._line())

    def plans(self) -> dict[str, int]:
        done = _ktcs(self.env, "plans", "--json")
        assert done.returncode == 0, done.stderr
        return {row["id"]: row["monthly_fee"] for row in json.loads(done.stdout)}

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self._log.close()


def _propose(env: dict[str, str], fee: int) -> None:
    """What `ktcs ingest` does with a page that changed: the fee change as a draft (in a process of
    its own, with the desktop account that runs the refresh)."""
    shipped = load_shipped_catalog().get(SLIM)
    code = ("from ktcs_desktop.context import create_app_context\n"
            "from ktcs_desktop.ingestion.diff import PlanChange\n"
            "s = create_app_context(); s.prepare_database(seed=False)\n"
            f"d = s.approvals.draft_from_refresh([PlanChange('fee_changed', {shipped.source.kt_item_code},"
            f" {shipped.name!r}, {SLIM!r}, {shipped.monthly_fee}, {fee})])\n"
            "print(d.version); s.close()\n")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                          cwd=REPO)
    assert done.returncode == 0, done.stderr


def test_two_desktops_pick_up_an_approved_price_change(empty_mysql_url: str, tmp_path: Path) -> None:
    admin = Database(empty_mysql_url)
    admin.upgrade()
    seed_database(admin)
    shipped_fee = load_shipped_catalog().get(SLIM).monthly_fee
    admin_env = _env(tmp_path / "admin", empty_mysql_url, "admin")
    with desktop_account(empty_mysql_url, prefix="ktcs_c") as desk_url, \
            desktop_account(empty_mysql_url, supervisor=True, prefix="ktcs_c") as lead_url:
        desktops = [Desktop(_env(tmp_path / f"pc{i}", desk_url, f"agent-{i}"), tmp_path / f"pc{i}.log")
                    for i in (1, 2)]
        try:
            before = [d.lookup() for d in desktops]
            assert [b["fee"] for b in before] == [shipped_fee, shipped_fee]
            assert [b["version"] for b in before] == [1, 1]  # seeded once, by whichever started first
            assert [b["indexed_fee"] for b in before] == [shipped_fee, shipped_fee]

            _propose(desktops[0].env, 56000)
            assert desktops[0].lookup()["fee"] == shipped_fee  # a draft reaches nobody

            lead_claims = _env(tmp_path / "lead", lead_url, "lead", role="supervisor")
            refused = _ktcs(lead_claims, "catalog", "approve")  # the setting alone is not enough
            assert refused.returncode == 1 and "권한이 등록되어 있지 않습니다" in refused.stderr
            agent_self_grant = _ktcs(desktops[1].env, "catalog", "grant", "agent-2")
            assert agent_self_grant.returncode == 1  # a desktop account cannot write agent_roles
            assert "관리자 계정" in agent_self_grant.stderr and "Traceback" not in agent_self_grant.stderr
            assert _ktcs(admin_env, "catalog", "grant", "lead").returncode == 0
            diff = _ktcs(lead_claims, "catalog", "diff")
            assert diff.returncode == 0 and "월정액 55,000원 → 56,000원" in diff.stdout

            started = time.perf_counter()
            approved = _ktcs(lead_claims, "catalog", "approve")
            approve_s = time.perf_counter() - started
            assert approved.returncode == 0, approved.stderr

            after = [d.lookup() for d in desktops]  # each desktop's next lookup
            assert [a["fee"] for a in after] == [56000, 56000], after
            assert [a["version"] for a in after] == [2, 2]
            assert [a["indexed_fee"] for a in after] == [56000, 56000]  # the index followed
            assert all(a["recommended_current_fee"] != b["recommended_current_fee"] for a, b in zip(after, before, strict=True))
            assert [d.plans()[SLIM] for d in desktops] == [56000, 56000]  # `ktcs plans` on each PC

            again = [d.lookup() for d in desktops]  # unchanged version: no reload, no rebuild
            assert [a["loads"] for a in again] == [a["loads"] for a in after]
            assert all(a["index_s"] < 1.0 for a in again)

            assert _ktcs(lead_claims, "catalog", "rollback", "1").returncode == 0
            rolled = [d.lookup() for d in desktops]
            assert [r["fee"] for r in rolled] == [shipped_fee, shipped_fee]
            assert [r["version"] for r in rolled] == [3, 3]

            history = json.loads(_ktcs(desktops[0].env, "catalog", "history", "--json").stdout)
            assert [(v["version"], v["status"], v["source"]) for v in history] == [
                (3, "approved", "rollback"), (2, "retired", "refresh"), (1, "retired", "shipped")]
            with admin.engine.connect() as conn:
                audited = conn.execute(text("SELECT agent_id, action FROM audit_log WHERE action LIKE 'catalog_%' "
                                            "ORDER BY id")).all()
            assert [tuple(r) for r in audited] == [("lead", "catalog_approve"), ("lead", "catalog_rollback")]
            timings = {"approve_cli_s": round(approve_s, 2),
                       "lookup_ms_after_approval": [a["lookup_ms"] for a in after],
                       "index_rebuild_s": [a["index_s"] for a in after],
                       "lookup_ms_unchanged": [a["lookup_ms"] for a in again]}
            print("catalog floor timings:", json.dumps(timings))
        finally:
            for d in desktops:
                d.close()
    admin.dispose()
