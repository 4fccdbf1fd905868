#!/usr/bin/env bash
# Installs CVAT's own clients (cvat-sdk, cvat-cli; versions pinned in requirements.txt) into
# .venv-cvat/ at the repository root, for spec/peers/ (they run against the emulator).
# Idempotent: does nothing when the environment already holds exactly these pins.
# Without python3 (or its venv module) it says so and exits 0: the peer specs then skip.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.venv-cvat"
requirements="$root/tools/peers/requirements.txt"
stamp="$venv/.requirements"

if ! command -v python3 >/dev/null 2>&1; then
  echo "tools/peers/setup.sh: python3 not found; spec/peers (cvat-sdk, cvat-cli) will be skipped." >&2
  exit 0
fi
if [ -x "$venv/bin/cvat-cli" ] && [ -f "$stamp" ] && cmp -s "$requirements" "$stamp"; then
  echo "tools/peers/setup.sh: $venv is up to date."
  exit 0
fi
rm -rf "$venv"
if ! python3 -m venv "$venv"; then
  rm -rf "$venv"
  echo "tools/peers/setup.sh: python3 cannot create a virtual environment (python3-venv missing?);" \
    "spec/peers will be skipped." >&2
  exit 0
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
cp "$requirements" "$stamp"
echo "tools/peers/setup.sh: installed $("$venv/bin/cvat-cli" --version 2>&1 | tail -n 1) into $venv."
