# Sourced by scripts/run and scripts/test: installs what is missing, nothing more.
#   ensure_debian_packages PKG...   apt-get installs the packages not yet installed
#   ensure_venv REQUIREMENTS_FILE   a .venv with the requirements (reinstalled when they change)
#   compile_translations            the Flask-Babel catalogs (.mo files are build output)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
export FLASK_APP="app:create_app"

say() { printf '==> %s\n' "$*" >&2; }

ensure_debian_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    say "Please install these system packages: ${missing[*]}"; return 1
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "Installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

ensure_venv() {
  local requirements="$1"
  if [ ! -x "$VENV/bin/python" ]; then
    local python
    if ! python="$(find_python)"; then
      ensure_debian_packages python3 python3-venv
      python="$(find_python)" || { say "Python 3.11 or newer is needed"; return 1; }
    fi
    say "Creating $VENV with $python"
    "$python" -m venv "$VENV" || { ensure_debian_packages python3-venv; "$python" -m venv "$VENV"; }
  fi
  local stamp="$VENV/.requirements.sha256"
  local want
  want="$(cat "$ROOT/requirements.txt" "$ROOT/$requirements" | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "Installing Python packages from $requirements"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/$requirements"
    echo "$want" > "$stamp"
  fi
}

compile_translations() {
  "$VENV/bin/pybabel" compile --use-fuzzy -d "$ROOT/app/translations" -D messages >/dev/null 2>&1 \
    || "$VENV/bin/pybabel" compile -d "$ROOT/app/translations" -D messages
}
