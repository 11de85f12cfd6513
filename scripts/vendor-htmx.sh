#!/usr/bin/env bash
# Vendor htmx into the console package: the file is committed, so nothing is fetched at run
# time and no front-end build runs. Refresh it after changing the version in
# services/console/package.json:
#   bash scripts/vendor-htmx.sh
# It installs the exact version from package-lock.json (npm checks the registry's sha512
# integrity), copies dist/htmx.min.js to src/radar_console/static/vendor/, and records the
# version, npm's integrity and the file's own sha384 (the page's Subresource Integrity) in
# static/vendor/vendored.json. tests/console/test_static.py checks that record.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONSOLE="$ROOT/services/console"
VENDOR="$CONSOLE/src/radar_console/static/vendor"

cd "$CONSOLE"
npm ci --ignore-scripts --no-audit --no-fund --silent
mkdir -p "$VENDOR"
cp node_modules/htmx.org/dist/htmx.min.js "$VENDOR/htmx.min.js"
cp node_modules/htmx.org/LICENSE "$VENDOR/htmx.LICENSE" 2>/dev/null || true
node - "$VENDOR" <<'JS'
const fs = require("fs");
const crypto = require("crypto");
const vendor = process.argv[2];
const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
const pkg = lock.packages["node_modules/htmx.org"];
const file = fs.readFileSync(`${vendor}/htmx.min.js`);
const record = {
  "htmx.org": {
    version: pkg.version,
    npm_integrity: pkg.integrity,
    file: "htmx.min.js",
    source: "node_modules/htmx.org/dist/htmx.min.js",
    sri: "sha384-" + crypto.createHash("sha384").update(file).digest("base64"),
  },
};
fs.writeFileSync(`${vendor}/vendored.json`, JSON.stringify(record, null, 2) + "\n");
console.log(`vendored htmx.org ${pkg.version} (${record["htmx.org"].sri})`);
JS
