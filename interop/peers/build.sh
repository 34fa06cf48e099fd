#!/usr/bin/env bash
# Builds the go-plugin interop peers into OUT_DIR: a Go host and plugin against Debian's go-plugin
# v1.0.1, a Python plugin, and (build-go18.sh) a Go host and plugin against go-plugin v1.8.0.
# Generated code, copies of the sources and Go caches live only in OUT_DIR; nothing is written
# elsewhere.
#
#   bash interop/peers/build.sh OUT_DIR
#
# Produces: OUT_DIR/go-kv-plugin, OUT_DIR/go-kv-host, OUT_DIR/go-traced-plugin, OUT_DIR/python/ (generated modules), the
# launcher OUT_DIR/python-kv-plugin, and OUT_DIR/go18-kv-host, OUT_DIR/go18-kv-plugin (from the
# go-plugin v1.8 tree at <repository>/../shared/go-plugin-v1.8, or $GO_PLUGIN_V18_DIR).
#
# Exit status:
#   0  everything built;
#   1  a build step failed;
#   2  wrong usage, or a required tool or library is missing (nothing is built);
#   3  the go-plugin v1.8 tree is missing: everything else is built, go18-kv-host and
#      go18-kv-plugin are not (the reason is on stderr).
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
  echo "usage: build.sh OUT_DIR" >&2
  exit 2
fi

PEERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROTO_DIR="$(cd "$PEERS_DIR/../src/main/proto" && pwd)"
PY_SRC_DIR="$PEERS_DIR/python"
GOCODE=/usr/share/gocode
PYTHON=/usr/bin/python3
GRPC_PYTHON_PLUGIN=/usr/bin/grpc_python_plugin
PROTOC_GEN_GO_SRC="$GOCODE/src/github.com/golang/protobuf/protoc-gen-go"

# ---------------------------------------------------------------------------------------------
# Prerequisites: report every missing piece with the Debian package that provides it.
# ---------------------------------------------------------------------------------------------
missing=0
need() { # need DESCRIPTION PACKAGE
  echo "build.sh: missing $1 (Debian package: $2)" >&2
  missing=1
}
command -v go >/dev/null 2>&1 || need "'go' on PATH" golang-go
command -v protoc >/dev/null 2>&1 || need "'protoc' on PATH" protobuf-compiler
# protoc-gen-go must be the v1.3 generator (the only one that supports plugins=grpc and matches the
# golang/protobuf 1.3 runtime); it is compiled from the Debian package's sources into OUT_DIR/bin.
[[ -f "$PROTOC_GEN_GO_SRC/main.go" ]] \
  || need "protoc-gen-go v1.3 sources ($PROTOC_GEN_GO_SRC)" golang-github-golang-protobuf-1-3-dev
[[ -x "$GRPC_PYTHON_PLUGIN" ]] || need "$GRPC_PYTHON_PLUGIN" protobuf-compiler-grpc
if [[ ! -x "$PYTHON" ]]; then
  need "$PYTHON" python3
else
  "$PYTHON" -c 'import grpc' >/dev/null 2>&1 || need "Python module 'grpc' for $PYTHON" python3-grpcio
  "$PYTHON" -c 'import google.protobuf' >/dev/null 2>&1 \
    || need "Python module 'google.protobuf' for $PYTHON" python3-protobuf
fi
[[ -f /usr/include/google/protobuf/empty.proto ]] \
  || need "/usr/include/google/protobuf/empty.proto" libprotobuf-dev
go_src_check() { # go_src_check IMPORT_PATH PACKAGE
  [[ -d "$GOCODE/src/$1" ]] || need "Go sources $GOCODE/src/$1" "$2"
}
go_src_check github.com/hashicorp/go-plugin golang-github-hashicorp-go-plugin-dev
go_src_check github.com/hashicorp/go-hclog golang-github-hashicorp-go-hclog-dev
go_src_check google.golang.org/grpc golang-google-grpc-dev
go_src_check github.com/golang/protobuf/proto golang-github-golang-protobuf-1-3-dev
go_src_check golang.org/x/net/context golang-golang-x-net-dev
go_src_check google.golang.org/genproto/googleapis/rpc/status golang-google-genproto-dev
go_src_check go.opentelemetry.io/otel golang-opentelemetry-otel-dev
if [[ $missing -ne 0 ]]; then
  echo "build.sh: install the packages above (apt-get install ...) and run again" >&2
  exit 2
fi

# ---------------------------------------------------------------------------------------------
# Output layout
# ---------------------------------------------------------------------------------------------
mkdir -p "$1"
OUT_DIR="$(cd "$1" && pwd)"
GOPATH_DIR="$OUT_DIR/gopath"
GO_PROTO_DIR="$GOPATH_DIR/src/outpost.dev/interop/proto"
PY_OUT_DIR="$OUT_DIR/python"
mkdir -p "$OUT_DIR/bin" "$GOPATH_DIR/src" "$OUT_DIR/gocache"

export GO111MODULE=off
export GOPATH="$GOPATH_DIR:$GOCODE"
export GOCACHE="$OUT_DIR/gocache"
export GOFLAGS=""
export GOPROXY=off
export CGO_ENABLED=0

# protoc-gen-go (v1.3, supports plugins=grpc)
go build -o "$OUT_DIR/bin/protoc-gen-go" github.com/golang/protobuf/protoc-gen-go

# Generated code is rebuilt from scratch on every run (idempotent).
rm -rf "$GO_PROTO_DIR" "$PY_OUT_DIR"
mkdir -p "$GO_PROTO_DIR" "$PY_OUT_DIR"

# Go: package outpost.dev/interop/proto (the protos' go_package)
protoc -I "$PROTO_DIR" \
  --plugin=protoc-gen-go="$OUT_DIR/bin/protoc-gen-go" \
  --go_out=plugins=grpc,paths=source_relative:"$GO_PROTO_DIR" \
  "$PROTO_DIR/kv.proto" "$PROTO_DIR/counter.proto"

# Python: application protos plus the go-plugin internal services and gRPC health
protoc -I "$PROTO_DIR" -I "$PY_SRC_DIR" -I /usr/include \
  --plugin=protoc-gen-grpc_python="$GRPC_PYTHON_PLUGIN" \
  --python_out="$PY_OUT_DIR" --grpc_python_out="$PY_OUT_DIR" \
  "$PROTO_DIR/kv.proto" "$PROTO_DIR/counter.proto" \
  "$PY_SRC_DIR/go_plugin.proto" "$PY_SRC_DIR/health.proto"

# Go binaries, built from copies outside GOPATH (imports resolve through GOPATH); the host shares
# bench.go with go18-kv-host.
SRC_COPY_DIR="$OUT_DIR/src"
rm -rf "$SRC_COPY_DIR"
mkdir -p "$SRC_COPY_DIR/go-kv-plugin" "$SRC_COPY_DIR/go-kv-host" "$SRC_COPY_DIR/go-traced-plugin"
cp "$PEERS_DIR/go/kv-plugin/main.go" "$SRC_COPY_DIR/go-kv-plugin/"
cp "$PEERS_DIR/go/traced-plugin/main.go" "$SRC_COPY_DIR/go-traced-plugin/"
cp "$PEERS_DIR/go/kv-host/main.go" "$PEERS_DIR/go-shared/bench.go" "$SRC_COPY_DIR/go-kv-host/"
(cd "$SRC_COPY_DIR/go-kv-plugin" && go build -o "$OUT_DIR/go-kv-plugin" .)
(cd "$SRC_COPY_DIR/go-kv-host" && go build -o "$OUT_DIR/go-kv-host" .)
(cd "$SRC_COPY_DIR/go-traced-plugin" && go build -o "$OUT_DIR/go-traced-plugin" .)

# Python launcher: exec, so that the host's child *is* the Python process.
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; } # single-quote for sh
launcher_tmp="$(mktemp "$OUT_DIR/.python-kv-plugin.XXXXXX")"
{
  echo '#!/bin/sh'
  echo '# Generated by interop/peers/build.sh: runs the Python go-plugin KV plugin.'
  echo "PYTHONPATH=$(sq "$PY_OUT_DIR")\${PYTHONPATH:+:\$PYTHONPATH}"
  echo 'export PYTHONPATH'
  echo "exec $(sq "$PYTHON") $(sq "$PY_SRC_DIR/kv_plugin.py") \"\$@\""
} >"$launcher_tmp"
chmod 0755 "$launcher_tmp"
mv -f "$launcher_tmp" "$OUT_DIR/python-kv-plugin"

echo "build.sh: built go-kv-plugin, go-kv-host, go-traced-plugin, python-kv-plugin and python/ in $OUT_DIR"

# go-plugin v1.8.0 peers: exit status 3 (passed on) when the v1.8 tree is missing.
v18_status=0
bash "$PEERS_DIR/build-go18.sh" "$OUT_DIR" || v18_status=$?
exit "$v18_status"
