# Shared set-up steps of scripts/serve.sh and scripts/test.sh (sourced, not run).

# apt-get install the Debian packages that are missing, when we can (root with apt).
setup_debian() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing ${missing[*]} …"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Please install these Debian packages: ${missing[*]}" >&2
    return 1
  fi
}

# A virtualenv in .venv with the given requirements file; activates it.
setup_python() {
  local python="${PYTHON:-python3.11}"
  command -v "$python" >/dev/null || python=python3
  if [ ! -x .venv/bin/python ]; then
    if ! "$python" -m venv .venv 2>/dev/null; then
      rm -rf .venv
      setup_debian python3-venv
      "$python" -m venv .venv
    fi
  fi
  # (grep hides pip's notes about local package mirrors that are not there)
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$1" 2> >(grep -v "is ignored: it is neither" >&2)
  # shellcheck disable=SC1091
  . .venv/bin/activate
}

compile_messages() {
  python manage.py compilemessages -l zh_Hans --ignore='.venv/*' -v0
}

# axe-core, for the browser tests' WCAG checks (tests/e2e/accessibility.py): from the npm registry, pinned.
AXE_CORE_VERSION=4.14.1
setup_axe() {
  if grep -qs "\"version\": \"$AXE_CORE_VERSION\"" .npm/node_modules/axe-core/package.json; then
    return 0
  fi
  command -v npm >/dev/null || setup_debian npm
  npm install --silent --no-audit --no-fund --prefix .npm "axe-core@$AXE_CORE_VERSION"
}
