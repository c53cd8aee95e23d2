# KT CS AI 상담원 — one command to run, one command to test.
#   make run     create the venv, install, seed the embedded DB on first start, open the window
#   make test    install, `make lint`, then every test (MySQL tests too when KTCS_TEST_MYSQL_URL is set)
#   make lint    ruff, mypy (core, cli, ingestion) and the import-linter contracts
#   make lock    re-resolve requirements*.lock from pyproject.toml (after changing a dependency)
#   make bench   print lookup/retrieval/… figures (benchmarks/)
#   make bundle  PyInstaller one-folder build (dist/ktcs-desktop); make bundle-check smoke-runs it
#   make test-servers  integration tests against real llama.cpp / faster-whisper servers (not in `make test`)

PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed
LOCK    = requirements.lock
DEV_LOCK = requirements-dev.lock
UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
	--quiet --custom-compile-command "make lock"
APT_PACKAGES = portaudio19-dev libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
	libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libegl1 libgl1 \
	libfontconfig1 libdbus-1-3 espeak-ng

SERVERS_VENV ?= .venv-servers

.PHONY: run test test-fast test-servers bench bundle bundle-check system-deps venv lint lock clean

system-deps:
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
		if [ -n "$$missing" ]; then echo "apt-get install:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi; \
	else \
		echo "(not root or no apt-get: make sure these are installed: $(APT_PACKAGES))"; \
	fi

# Every dependency comes pinned and hash-checked from the lock; the project itself goes on top, editable.
$(STAMP): pyproject.toml $(DEV_LOCK)
	@$(MAKE) --no-print-directory system-deps
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes -r $(DEV_LOCK)
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/ktcs-desktop

test: lint
	$(PY) -m pytest

# Real servers on 127.0.0.1 (their own venv; the llama-cpp-python wheel is compiled once and cached
# under ~/.cache/ktcs-desktop/wheels); the app's venv gets faster-whisper (local-speech) for the
# local-Whisper-process test. Never downloads weights: HF_HUB_OFFLINE=1.
test-servers: $(STAMP)
	SERVERS_VENV=$(SERVERS_VENV) PYTHON=$(PYTHON) bash tests_servers/setup.sh
	$(PY) -m pip install -q -e '.[local-speech]'  # faster-whisper: local Whisper in its own process
	HF_HUB_OFFLINE=1 KTCS_SERVERS_VENV=$(SERVERS_VENV) QT_QPA_PLATFORM=offscreen $(PY) -m pytest tests_servers -p no:cacheprovider -v -rs

lint: $(STAMP)
	$(VENV)/bin/ruff check ktcs_desktop tests tests_servers benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Runtime lock (what a shipped install needs) and the dev lock (+ tests, lint, PyInstaller) on top of
# it, both for every platform (Windows-only packages carry markers) and Python 3.11+.
lock: $(STAMP)
	$(UV_COMPILE) -o $(LOCK)
	$(UV_COMPILE) --extra dev -c $(LOCK) -o $(DEV_LOCK)

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

bundle: $(STAMP)
	$(VENV)/bin/pyinstaller --noconfirm --clean build.spec

bundle-check: bundle
	QT_QPA_PLATFORM=offscreen KTCS_HOME=$$(mktemp -d) dist/ktcs-desktop/ktcs-desktop --self-check

clean:
	rm -rf build dist artifacts .pytest_cache
