#!/usr/bin/env bash
# Re-download the browser assets the web dashboard serves from the package (no CDN at run time)
# and vendor them into src/openets/web/static/vendor/.
#
#   scripts/vendor-assets.sh            fetch the pinned versions with `npm pack`
#   scripts/vendor-assets.sh --check    only check the vendored files against SHA256SUMS
#
# To move to a newer release, change the versions below, run the script, read the diff of
# SHA256SUMS and the licence files, update the versions in vendor/README.md and docs/web.md,
# and run the browser test (pytest -m browser).
set -euo pipefail

HTMX_VERSION=2.0.11
# the server-sent-events extension of htmx 2 (the live trading page)
HTMX_SSE_VERSION=2.2.4
ECHARTS_VERSION=5.6.0
# zrender is echarts' rendering library, bundled inside echarts.min.js: we ship its licence.
ZRENDER_VERSION=5.6.1

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vendor="$here/src/openets/web/static/vendor"

if [[ "${1:-}" == "--check" ]]; then
    cd "$vendor" && sha256sum --check --quiet SHA256SUMS && echo "vendored assets match SHA256SUMS"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
# npm pack checks each tarball against the registry's integrity hash.
npm pack --silent "htmx.org@$HTMX_VERSION" "htmx-ext-sse@$HTMX_SSE_VERSION" \
    "echarts@$ECHARTS_VERSION" "zrender@$ZRENDER_VERSION" >/dev/null
for name in htmx.org htmx-ext-sse echarts zrender; do
    mkdir "$name"
    tar -xzf "$name"-*.tgz -C "$name"
done

bundled="$(node -p "require('./echarts/package/package.json').dependencies.zrender")"
if [[ "$bundled" != "$ZRENDER_VERSION" ]]; then
    echo "echarts $ECHARTS_VERSION bundles zrender $bundled: set ZRENDER_VERSION=$bundled" >&2
    exit 1
fi

mkdir -p "$vendor"
cp htmx.org/package/dist/htmx.min.js "$vendor/htmx.min.js"
cp htmx.org/package/LICENSE "$vendor/htmx.LICENSE"
cp htmx-ext-sse/package/dist/sse.js "$vendor/htmx-ext-sse.js"
cp htmx-ext-sse/package/LICENSE "$vendor/htmx-ext-sse.LICENSE"
cp echarts/package/dist/echarts.min.js "$vendor/echarts.min.js"
cp echarts/package/LICENSE "$vendor/echarts.LICENSE"
cp echarts/package/NOTICE "$vendor/echarts.NOTICE"
cp echarts/package/licenses/LICENSE-d3 "$vendor/echarts.LICENSE-d3"
cp zrender/package/LICENSE "$vendor/zrender.LICENSE"

cd "$vendor"
sha256sum htmx.min.js echarts.min.js htmx-ext-sse.js >SHA256SUMS
echo "vendored htmx.org $HTMX_VERSION, htmx-ext-sse $HTMX_SSE_VERSION, echarts $ECHARTS_VERSION (zrender $ZRENDER_VERSION) into $vendor"
