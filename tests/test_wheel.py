"""The wheel is the product: build it, install it into a fresh venv and run `ktcs` from there.

The new venv sees the project's installed dependencies (the dev venv's site-packages, appended to
sys.path by a .pth file) but not the source tree: ktcs_desktop, its catalog, page snapshots, fonts,
eval sets and migrations can only come from the wheel. Runs in `make test` (≈ 20 s).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ktcs_desktop"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Build from a copy of what the wheel is made of, so the build leaves nothing in the work tree.
    src = tmp_path_factory.mktemp("wheel-src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(PACKAGE, src / "ktcs_desktop", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheelhouse")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-cache-dir", "-q",
         "-w", str(out), str(src)],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    (built,) = out.glob("ktcs_desktop-*.whl")
    return built


def test_wheel_ships_package_data_and_no_tests(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("ktcs_desktop/resources/catalog/plans.json", "ktcs_desktop/resources/fonts/OFL.txt",
                     "ktcs_desktop/core/storage/migrations/env.py"):
        assert required in names, required
    assert any(n.startswith("ktcs_desktop/resources/pages/") and n.endswith((".md", ".html", ".txt"))
               for n in names)
    assert any(n.startswith("ktcs_desktop/resources/fonts/") and n.lower().endswith(".ttf") for n in names)
    assert any(n.startswith("ktcs_desktop/evaldata/") and n.endswith(".jsonl") for n in names)
    assert any(n.startswith("ktcs_desktop/core/storage/migrations/versions/") for n in names)
    assert not [n for n in names if n.startswith("tests/") or "/tests/" in n]


@pytest.fixture(scope="module")
def wheel_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("wheel-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip())
    # The dependencies only (a plain path line: the dev venv's .pth files, such as the editable
    # install of this repo, are not processed, so `ktcs_desktop` is not found there).
    (site / "_dev_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
         str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    return venv


def _run(venv: Path, *args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    scripts = venv / ("Scripts" if os.name == "nt" else "bin")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KTCS_", "PYTHON"))}
    env.update({"KTCS_HOME": str(home), "KTCS_USE_KEYRING": "0", "HF_HUB_OFFLINE": "1", "PYTHONUTF8": "1"})
    return subprocess.run([str(scripts / "ktcs"), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=180)


def test_installed_wheel_runs_ktcs_outside_the_repo(wheel_venv: Path, tmp_path: Path) -> None:
    cwd, home = tmp_path / "elsewhere", tmp_path / "home"
    cwd.mkdir()
    python = wheel_venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    where = subprocess.run([str(python), "-c", "import ktcs_desktop; print(ktcs_desktop.__file__)"],
                           cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).resolve().is_relative_to(wheel_venv.resolve()), where  # not the work tree

    plans = _run(wheel_venv, "plans", "--json", cwd=cwd, home=home)
    assert plans.returncode == 0, plans.stderr[-3000:]
    assert len(json.loads(plans.stdout)) == 49

    search = _run(wheel_venv, "search", "요고", "--k", "3", cwd=cwd, home=home)
    assert search.returncode == 0, search.stderr[-3000:]
    assert "요고" in search.stdout and re.search(r"^1\. ", search.stdout, re.M), search.stdout


# -- production code never reads from tests/ ---------------------------------------------------

_TESTS_PATH = re.compile(r"""["']tests["']|["']tests/|[/\\]tests[/\\]""")


def test_production_code_reads_nothing_under_tests() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if _TESTS_PATH.search(code) and not code.lstrip().startswith(("\"\"\"", "'''")):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    for extra in ("build.spec",):
        text = (ROOT / extra).read_text(encoding="utf-8")
        if _TESTS_PATH.search(text):
            offenders.append(extra)
    assert not offenders, "\n".join(offenders)
