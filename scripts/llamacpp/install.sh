#!/usr/bin/env bash
# Installs node-llama-cpp (prebuilt llama.cpp for Node) into a folder outside the project, once.
# Sourced by the scripts that compare with llama.cpp; sets NODE_LLAMA_CPP_DIR.
NODE_LLAMA_CPP_VERSION=3.21.1
export NODE_LLAMA_CPP_DIR="${NODE_LLAMA_CPP_DIR:-${TMPDIR:-/tmp}/djinn-llamacpp}"

ensure_node_llama_cpp() {
  local pkg="$NODE_LLAMA_CPP_DIR/node_modules/node-llama-cpp/package.json"
  command -v node >/dev/null || { echo "node (20 or newer) is needed to run llama.cpp through node-llama-cpp" >&2; return 1; }
  if [ -f "$pkg" ] && grep -q "\"version\": \"$NODE_LLAMA_CPP_VERSION\"" "$pkg"; then
    return 0
  fi
  echo "installing node-llama-cpp@$NODE_LLAMA_CPP_VERSION into $NODE_LLAMA_CPP_DIR ..." >&2
  mkdir -p "$NODE_LLAMA_CPP_DIR"
  npm install --prefix "$NODE_LLAMA_CPP_DIR" --no-audit --no-fund --loglevel=error \
    "node-llama-cpp@$NODE_LLAMA_CPP_VERSION" >&2
}
