#!/usr/bin/env bash
# Builds Prometheus' own web UI (the Mantine UI of Prometheus 3) for the Prometheus in tools/bin, into
# tools/prometheus-ui/static/react — where Debian's binary looks for it (--web.local-assets; Debian's package ships
# no UI: see its NEWS.Debian). `npm run demo` serves it when present. Not needed by `npm test`.
#   - source: Debian sid's source package of the same upstream version (prometheus_<v>+ds1.orig.tar.xz keeps
#     web/ui/mantine-ui), checked like scripts/setup.sh checks binaries: InRelease signature (gpgv, Debian's keyring)
#     → Sources.xz SHA256 → tarball SHA256;
#   - dependencies from the npm registry (the tarball has no lockfile); @prometheus-io/codemirror-promql is pinned to
#     0.304.2, the release nearest to the UI's 0.305.3 that the registry serves (0.305.3 itself is not published);
#   - `vite build` (the UI's own build, without its type-check step); the page's asset URLs are pointed at
#     /classic/static/react/assets/, the route through which Debian's binary serves --web.local-assets.
# Takes a few minutes and ~400 MB in tools/cache; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="$PWD/tools"
CACHE="$TOOLS/cache/prometheus-ui"
DEST="$TOOLS/prometheus-ui"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_KEYRING="${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}"
CODEMIRROR_PROMQL=0.304.2

say() { echo "demo-ui: $*"; }
die() { echo "demo-ui: $*" >&2; exit 1; }
for tool in curl gpgv xz sha256sum npm; do command -v "$tool" >/dev/null || die "needs $tool"; done
[ -x "$TOOLS/bin/prometheus" ] || die "no tools/bin/prometheus: run npm run setup first"

version=$("$TOOLS/bin/prometheus" --version 2>&1 | awk '/^prometheus, version/ { print $3 }')
version=${version%%[+-]*} # Debian: 3.5.3+ds1
[ -n "$version" ] || die "cannot read the version of tools/bin/prometheus"
if [ -f "$DEST/static/react/index.html" ] && [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$version" ]; then
  say "Prometheus $version UI already in tools/prometheus-ui"
  exit 0
fi
mkdir -p "$CACHE"

say "reading Debian sid's source index ..."
curl -sSf --retry 3 -o "$CACHE/InRelease" "$DEBIAN_MIRROR/dists/sid/InRelease"
gpgv --keyring "$DEBIAN_KEYRING" "$CACHE/InRelease" 2>/dev/null || die "InRelease: signature not valid for $DEBIAN_KEYRING"
want=$(awk '/^SHA256:/ { s = 1; next } /^[A-Za-z]/ { s = 0 } s && $3 == "main/source/Sources.xz" { print $1 }' "$CACHE/InRelease")
[ -n "$want" ] || die "InRelease lists no main/source/Sources.xz"
curl -sSf --retry 3 -o "$CACHE/Sources.xz" "$DEBIAN_MIRROR/dists/sid/main/source/Sources.xz"
echo "$want  $CACHE/Sources.xz" | sha256sum -c --quiet - || die "Sources.xz does not match InRelease"
# "<directory> <version> <sha256> <file>" of the orig tarball of the prometheus source package.
entry=$(xz -dc "$CACHE/Sources.xz" | awk '
  /^Package: / { pkg = $2; sums = 0 }
  pkg == "prometheus" && /^Version: / { ver = $2 }
  pkg == "prometheus" && /^Directory: / { dir = $2 }
  pkg == "prometheus" && /^Checksums-Sha256:/ { sums = 1; next }
  pkg == "prometheus" && sums && /^ / { if ($3 ~ /\.orig\.tar\./) { sha = $1; file = $3 } next }
  /^[A-Za-z]/ { sums = 0 }
  /^$/ { if (pkg == "prometheus" && file != "") { print dir, ver, sha, file; exit } }')
read -r dir debver sha file <<< "$entry"
[ -n "${file:-}" ] || die "no prometheus source package in sid's index"
upstream=${debver%%[+-]*}
[ "$upstream" = "$version" ] || die "sid's prometheus source is $debver, tools/bin/prometheus is $version: run npm run setup again"
if ! echo "$sha  $CACHE/$file" | sha256sum -c --quiet - 2>/dev/null; then
  say "fetching $file ..."
  curl -sSf --retry 3 -o "$CACHE/$file" "$DEBIAN_MIRROR/$dir/$file"
  echo "$sha  $CACHE/$file" | sha256sum -c --quiet - || die "$file: SHA256 differs from the signed index"
fi

src="$CACHE/src"
rm -rf "$src" && mkdir -p "$src"
tar -xJf "$CACHE/$file" -C "$src" --strip-components=1 --wildcards '*/web/ui/mantine-ui/*'
app="$src/web/ui/mantine-ui"
[ -f "$app/package.json" ] || die "$file has no web/ui/mantine-ui"
node -e '
  const fs = require("fs"), p = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  p.dependencies["@prometheus-io/codemirror-promql"] = process.argv[2];
  fs.writeFileSync(process.argv[1], JSON.stringify(p, null, 2));' "$app/package.json" "$CODEMIRROR_PROMQL"
say "installing the UI's npm dependencies (a few minutes) ..."
(cd "$app" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
say "building (vite) ..."
(cd "$app" && npx --no-install vite build --logLevel error)
rm -rf "$DEST" && mkdir -p "$DEST/static"
cp -r "$app/dist" "$DEST/static/react"
# Debian's binary serves index.html from static/react for every UI page, but its /assets/ route reads the embedded
# (empty) assets; /classic/static/* reads --web.local-assets. Point the page's asset URLs there.
sed -i 's|"\./assets/|"/classic/static/react/assets/|g; s|"\./favicon.svg"|"/classic/static/react/favicon.svg"|' "$DEST/static/react/index.html"
grep -q '/classic/static/react/assets/' "$DEST/static/react/index.html" || die "index.html of the build has no ./assets/ references to rewrite"
echo "$version" > "$DEST/VERSION"
say "Prometheus $version web UI in tools/prometheus-ui (npm run demo serves it)"
