#!/bin/sh
# The build steps of the Dockerfile, kept here so tests/deploy/test_image_build.py runs the
# very same commands (docs/decisions/0059-deployment-files.md).
#
#   deploy/build-wheels.sh SOURCE_DIR WHEEL_DIR EXTRAS         wheels of frontdesk + its deps
#   deploy/build-wheels.sh --install WHEEL_DIR EXTRAS VENV     a venv from those wheels only
#
# PYTHON names the interpreter (default python3). The install step uses --no-index: the
# final image gets exactly the wheels the builder made, and needs no compiler or network.
set -eu
PYTHON="${PYTHON:-python3}"

if [ "${1:-}" = "--install" ]; then
    wheels="$2" extras="$3" venv="$4"
    "$PYTHON" -m venv "$venv"
    "$venv/bin/python" -m pip install --no-cache-dir --no-index --find-links "$wheels" \
        "frontdesk[$extras]"
    exit 0
fi

source_dir="$1" wheels="$2" extras="$3"
"$PYTHON" -m pip wheel --wheel-dir "$wheels" "$source_dir[$extras]"
