"""Installer smoke test: build the PyInstaller one-folder bundle and run its `--self-check`."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.bundle


@pytest.mark.skipif(importlib.util.find_spec("PyInstaller") is None, reason="PyInstaller not installed")
def test_frozen_bundle_self_check(tmp_path: Path, artifacts_dir: Path) -> None:
    dist, work = tmp_path / "dist", tmp_path / "build"
    build = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--distpath", str(dist), "--workpath", str(work),
         str(ROOT / "build.spec")],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert build.returncode == 0, build.stderr[-4000:]
    exe = dist / "ktcs-desktop" / ("ktcs-desktop.exe" if os.name == "nt" else "ktcs-desktop")
    assert exe.exists()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "KTCS_HOME": str(tmp_path / "home")}
    run = subprocess.run([str(exe), "--self-check"], capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["ok"] and report["frozen"]
    assert report["fonts"] == ["NanumGothic"]
    assert report["qt_korean"]  # qtbase_ko.qm is in the bundle
    assert report["database"]["customers"] >= 5
    assert report["window"]["panes"][0] == "고객 조회"
    size = sum(p.stat().st_size for p in (dist / "ktcs-desktop").rglob("*") if p.is_file() and not p.is_symlink())
    (artifacts_dir / "bundle_size.txt").write_text(f"{size / 1e6:.0f} MB\n", encoding="utf-8")
