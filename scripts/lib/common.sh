# Shared by scripts/test, scripts/lab and scripts/bench: root check and installs on Debian.
# shellcheck shell=bash

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

need_root() {
  [ "$(id -u)" = 0 ] || die "needs root (network namespaces, ip addr, arping): run it with sudo or as root"
}

# Installs the Debian packages whose command is missing; "package:command" pairs.
ensure_packages() {
  local missing=() pair pkg cmd
  for pair in "$@"; do
    pkg=${pair%%:*}
    cmd=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them (Debian expected)"
  echo "installing ${missing[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# npm dependencies as locked, and the build (npm ci runs the prepare script, which compiles).
ensure_node_modules() {
  command -v node >/dev/null || die "Node.js 20 or newer is needed (apt-get install nodejs npm)"
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ -n "${CI:-}" ]; then
    # npm 11 here writes only this platform's optional packages (rollup's native builds) into
    # the lock file, then its own `npm ci` calls that lock file out of sync: install from the
    # lock with `npm install` when that happens.
    npm ci --no-audit --no-fund || {
      echo "npm ci refused the lock file; installing from it with npm install" >&2
      npm install --no-audit --no-fund
    }
  fi
  [ -f dist/cli/main.js ] || npm run build
}

BASE_PACKAGES=(iproute2:ip iputils-arping:arping iputils-ping:ping)
