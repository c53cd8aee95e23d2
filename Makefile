# KT CS AI 상담원 — one command to run, one command to test.
#   make run     create the venv, install, seed the embedded DB on first start, open the window
#   make test    install and run every test (MySQL tests too when KTCS_TEST_MYSQL_URL is set)
#   make bench   print lookup/retrieval/… figures (benchmarks/)
#   make bundle  PyInstaller one-folder build (dist/ktcs-desktop); make bundle-check smoke-runs it
#   make test-servers  integration tests against real llama.cpp / faster-whisper servers (not in `make test`)

PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed
APT_PACKAGES = portaudio19-dev libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
	libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libegl1 libgl1 \
	libfontconfig1 libdbus-1-3 espeak-ng

SERVERS_VENV ?= .venv-servers

.PHONY: run test test-servers test-fast bench bundle bundle-check system-deps venv lint clean

system-deps:
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
		if [ -n "$$missing" ]; then echo "apt-get install:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi; \
	else \
		echo "(not root or no apt-get: make sure these are installed: $(APT_PACKAGES))"; \
	fi

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/ktcs-desktop

test: $(STAMP)
	$(PY) -m pytest

# Real servers on 127.0.0.1 (their own venv; the llama-cpp-python wheel is compiled once and cached
# under ~/.cache/ktcs-desktop/wheels). Never downloads weights: HF_HUB_OFFLINE=1.
test-servers: $(STAMP)
	SERVERS_VENV=$(SERVERS_VENV) PYTHON=$(PYTHON) bash tests_servers/setup.sh
	HF_HUB_OFFLINE=1 KTCS_SERVERS_VENV=$(SERVERS_VENV) QT_QPA_PLATFORM=offscreen $(PY) -m pytest tests_servers -p no:cacheprovider -v -rs

lint: $(STAMP)
	$(VENV)/bin/ruff check ktcs_desktop tests tests_servers benchmarks

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

bundle: $(STAMP)
	$(VENV)/bin/pyinstaller --noconfirm --clean build.spec

bundle-check: bundle
	QT_QPA_PLATFORM=offscreen KTCS_HOME=$$(mktemp -d) dist/ktcs-desktop/ktcs-desktop --self-check

clean:
	rm -rf build dist artifacts .pytest_cache
