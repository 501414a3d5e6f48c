#!/usr/bin/env bash
# One entry point for a fresh machine: sets everything up, then runs what you ask.
#
#   ./scripts/dev.sh demo    set up, then run walt's main job on the bundled demo site
#   ./scripts/dev.sh test    set up, then run lint, type checks and the whole test suite
#   ./scripts/dev.sh setup   only set up (.venv with every extra, Chromium, redis-server)
#
# Set-up is idempotent: what is already there is not installed again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${WALT_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
MIN_TESTS="${WALT_MIN_TESTS:-600}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

have_browser() {
  [ -n "${WALT_BROWSER_PATH:-}" ] && [ -x "${WALT_BROWSER_PATH}" ] && return 0
  compgen -G "${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}/chromium*/chrome-linux*/*" >/dev/null && return 0
  for b in /usr/lib/chromium/chromium-headless-shell /usr/lib/chromium/chromium; do
    [ -x "$b" ] && return 0
  done
  command -v chromium >/dev/null || command -v google-chrome >/dev/null
}

system_packages() {
  local missing=()
  have_browser || missing+=(chromium-headless-shell)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ ${#missing[@]} -eq 0 ] && return 0
  if command -v apt-get >/dev/null; then
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    say "installing ${missing[*]} (apt)"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    say "please install: ${missing[*]/chromium-headless-shell/Chromium (or: pip install playwright && playwright install chromium)}"
    say "walt will report exactly what is missing when it needs it"
  fi
}

python_env() {
  local python="${PYTHON:-python3}"
  "$python" - <<'PYCHECK' || { echo "walt needs Python >= 3.11 (set PYTHON=...)" >&2; exit 2; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PYCHECK
  if [ ! -x "$PY" ]; then
    say "creating $VENV"
    "$python" -m venv "$VENV"
  fi
  local stamp="$VENV/.walt-installed"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    say "installing walt and its development dependencies"
    "$PY" -m pip install -q --upgrade pip
    "$PY" -m pip install -q -e ".[dev,docs,notebook]"
    touch "$stamp"
  fi
}

setup() {
  system_packages
  python_env
}

run_tests() {
  say "lint (ruff)"
  "$VENV/bin/ruff" check src tests bench noxfile.py
  "$VENV/bin/ruff" format --check src tests bench noxfile.py
  say "type check (mypy --strict on src/)"
  "$VENV/bin/mypy"
  say "tests"
  local report
  report="$(mktemp -d)/junit.xml"
  "$PY" -m pytest -p no:cacheprovider --junitxml="$report" "$@"
  # A run that collected nothing (or far too little) must not look green.
  "$PY" - "$report" "$MIN_TESTS" <<'PYCHECK'
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
total = sum(int(s.get("tests", 0)) for s in suites)
failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
ran = total - skipped
print(f"tests: {total} collected, {ran} ran, {skipped} skipped, {failed} failed")
if failed or ran < int(sys.argv[2]):
    print(f"refusing: fewer than {sys.argv[2]} tests ran, or some failed", file=sys.stderr)
    sys.exit(1)
PYCHECK
}

cmd="${1:-test}"
shift || true
case "$cmd" in
  setup) setup ;;
  test) setup; run_tests "$@" ;;
  demo) setup; "$VENV/bin/walt" demo "$@" ;;
  *) echo "usage: $0 {demo|test|setup}" >&2; exit 2 ;;
esac
