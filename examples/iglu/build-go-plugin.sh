#!/usr/bin/env bash
# Builds Iglu's Go device plugin (examples/iglu/plugins-src/go-thermostat) against Debian's
# go-plugin v1.0.1 in GOPATH mode (no module proxy needed) and writes the binary to OUT_FILE.
#
#   bash examples/iglu/build-go-plugin.sh OUT_FILE
#
# The private GOPATH and GOCACHE live in OUT_FILE's directory under .go-thermostat-build/, never in
# the source tree; running it again rebuilds and replaces OUT_FILE atomically. Exit status 2 when Go
# or a Go library is missing (the message names the Debian package).
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
  echo "usage: build-go-plugin.sh OUT_FILE" >&2
  exit 2
fi

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/plugins-src/go-thermostat" && pwd)"
GOCODE=/usr/share/gocode

missing=0
need() { # need WHAT PACKAGE
  echo "build-go-plugin.sh: missing $1 (Debian package: $2)" >&2
  missing=1
}
command -v go >/dev/null 2>&1 || need "'go' on PATH" golang-go
for dep in github.com/hashicorp/go-plugin:golang-github-hashicorp-go-plugin-dev \
           github.com/hashicorp/go-hclog:golang-github-hashicorp-go-hclog-dev \
           google.golang.org/grpc:golang-google-grpc-dev \
           github.com/golang/protobuf/proto:golang-github-golang-protobuf-1-3-dev \
           golang.org/x/net/context:golang-golang-x-net-dev \
           google.golang.org/genproto/googleapis/rpc/status:golang-google-genproto-dev; do
  [[ -d "$GOCODE/src/${dep%%:*}" ]] || need "Go sources $GOCODE/src/${dep%%:*}" "${dep##*:}"
done
if [[ $missing -ne 0 ]]; then
  echo "build-go-plugin.sh: install the packages above (apt-get install ...) and run again" >&2
  exit 2
fi

out_dir="$(dirname -- "$1")"
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"
out_file="$out_dir/$(basename -- "$1")"
work="$out_dir/.go-thermostat-build"
mkdir -p "$work/gopath/src" "$work/gocache"

export GO111MODULE=off
export GOPATH="$work/gopath:$GOCODE"
export GOCACHE="$work/gocache"
export GOFLAGS=""
export GOPROXY=off
export CGO_ENABLED=0

# The sources stay outside GOPATH; their imports resolve through it. Build to a temporary name in
# the target directory, then rename, so OUT_FILE is never half-written.
tmp="$(mktemp "$out_dir/.go-thermostat.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
(cd "$SRC_DIR" && go build -o "$tmp" .)
chmod 0755 "$tmp"
mv -f "$tmp" "$out_file"
trap - EXIT
echo "build-go-plugin.sh: built $out_file"
