#!/usr/bin/env bash
# The README's pictures (docs/images/): installs Debian's chromium if missing (needs root or sudo), builds the
# Prometheus UI (scripts/demo-ui.sh), then runs scripts/demo-pictures.ts (the demo, a screenshot of Prometheus'
# alert page while alerts fire, a capacity sweep). About 5 minutes. Not part of `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "demo-pictures: installing Debian's chromium ..."
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
fi
bash scripts/demo-ui.sh
npx tsx scripts/demo-pictures.ts
