#!/usr/bin/env bash
# Builds the go-plugin v1.8.0 interop peers (go18-kv-host, go18-kv-plugin) into OUT_DIR, in module
# mode against the offline go-plugin v1.8.0 vendor tree (its README explains the tree). build.sh
# calls this; it can also run alone.
#
#   bash interop/peers/build-go18.sh OUT_DIR
#
# The tree is <repository>/../shared/go-plugin-v1.8, or $GO_PLUGIN_V18_DIR. Everything written
# (module copy, generated Go code, code generators, Go cache) stays in OUT_DIR; the tree is only
# read, through a vendor symlink.
#
# Exit status: 0 built; 1 a build step failed; 2 usage, or go/protoc missing; 3 the go-plugin v1.8
# tree is missing (the reason is printed; nothing is built).
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
  echo "usage: build-go18.sh OUT_DIR" >&2
  exit 2
fi

PEERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROTO_DIR="$(cd "$PEERS_DIR/../src/main/proto" && pwd)"
V18_DIR="${GO_PLUGIN_V18_DIR:-$PEERS_DIR/../../../shared/go-plugin-v1.8}"

for tool in go protoc; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "build-go18.sh: missing '$tool' on PATH (see build.sh for the Debian packages)" >&2
    exit 2
  fi
done
mkdir -p "$1"
OUT_DIR="$(cd "$1" && pwd)"
# No stale binaries from an earlier build survive a skipped or failed one.
rm -f "$OUT_DIR/go18-kv-host" "$OUT_DIR/go18-kv-plugin"

for f in go.mod vendor/modules.txt vendor/github.com/hashicorp/go-plugin/grpc_broker.go; do
  if [[ ! -f "$V18_DIR/$f" ]]; then
    echo "build-go18.sh: go-plugin v1.8 tree not found: $V18_DIR/$f is missing" \
      "(set GO_PLUGIN_V18_DIR to the directory holding go.mod and vendor/); skipping go18-kv-host and go18-kv-plugin" >&2
    exit 3
  fi
done
V18_DIR="$(cd "$V18_DIR" && pwd)"

MOD_DIR="$OUT_DIR/go18"   # the module outpost.dev/interop: go.mod, vendor -> tree, proto/, peers
mkdir -p "$MOD_DIR" "$OUT_DIR/gocache"

export GO111MODULE=on
export GOFLAGS="-mod=vendor -buildvcs=false"
export GOPROXY=off GOSUMDB=off GOTOOLCHAIN=local GOWORK=off
export GOPATH="$MOD_DIR/gopath"
export GOCACHE="$OUT_DIR/gocache"
export CGO_ENABLED=0

# The module: the tree's go.mod verbatim but for the module line, which makes the generated code's
# import path outpost.dev/interop/proto (the protos' go_package), as in the v1.0.1 GOPATH build.
sed 's|^module .*|module outpost.dev/interop|' "$V18_DIR/go.mod" >"$MOD_DIR/go.mod"
ln -sfn "$V18_DIR/vendor" "$MOD_DIR/vendor"

# Rebuilt from scratch on every run (idempotent).
rm -rf "$MOD_DIR/proto" "$MOD_DIR/kv-host" "$MOD_DIR/kv-plugin"
mkdir -p "$MOD_DIR/proto" "$MOD_DIR/kv-host" "$MOD_DIR/kv-plugin" "$MOD_DIR/bin"

cd "$MOD_DIR"
go build -o "$MOD_DIR/bin/" google.golang.org/protobuf/cmd/protoc-gen-go \
  google.golang.org/grpc/cmd/protoc-gen-go-grpc
protoc -I "$PROTO_DIR" \
  --plugin=protoc-gen-go="$MOD_DIR/bin/protoc-gen-go" \
  --plugin=protoc-gen-go-grpc="$MOD_DIR/bin/protoc-gen-go-grpc" \
  --go_out="$MOD_DIR" --go_opt=module=outpost.dev/interop \
  --go-grpc_out="$MOD_DIR" --go-grpc_opt=module=outpost.dev/interop \
  "$PROTO_DIR/kv.proto" "$PROTO_DIR/counter.proto"

# The host shares bench.go with go-kv-host.
cp "$PEERS_DIR/go18/kv-host/main.go" "$PEERS_DIR/go-shared/bench.go" "$MOD_DIR/kv-host/"
cp "$PEERS_DIR/go18/kv-plugin/main.go" "$MOD_DIR/kv-plugin/"
go build -o "$OUT_DIR/go18-kv-host" ./kv-host
go build -o "$OUT_DIR/go18-kv-plugin" ./kv-plugin

echo "build-go18.sh: built go18-kv-host and go18-kv-plugin (go-plugin v1.8.0 from $V18_DIR) in $OUT_DIR"
