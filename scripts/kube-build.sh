#!/usr/bin/env bash
# Build kube-apiserver, kube-scheduler, kubelet and kubectl from Debian's own
# `kubernetes` source package (1.20.2 on Debian 12), cached by source version.
#
#   scripts/kube-build.sh            build if missing, print the bin directory
#   KUBE_CACHE=/path scripts/kube-build.sh
#
# Nothing here is committed: the binaries live under $KUBE_CACHE.
set -euo pipefail

KUBE_CACHE=${KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cri-runtimes/kubernetes}
WHAT=(cmd/kube-apiserver cmd/kube-scheduler cmd/kubelet cmd/kubectl)
SUITE=${KUBE_SOURCE_SUITE:-bookworm}

log() { printf '[kube-build] %s\n' "$*" >&2; }

# A private APT configuration with a deb-src entry: /etc/apt stays untouched.
aptdir=$(mktemp -d)
trap 'rm -rf "$aptdir"' EXIT
mirror=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
if [ -z "$mirror" ]; then
  mirror=$(awk '$1 == "deb" && $0 ~ /debian/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}
mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
chmod 755 "$aptdir"  # apt drops to the _apt user for downloads
echo "deb-src $mirror $SUITE main" > "$aptdir/sources.list"
cat > "$aptdir/apt.conf" <<CONF
Dir::Etc::SourceList "$aptdir/sources.list";
Dir::Etc::SourceParts "-";
Dir::State::Lists "$aptdir/lists";
Dir::Cache "$aptdir/cache";
CONF
export APT_CONFIG="$aptdir/apt.conf"

log "looking up the kubernetes source package in $SUITE"
apt-get update -qq >&2
version=$(apt-cache showsrc kubernetes | sed -n 's/^Version: //p' | sort -V | tail -n1)
[ -n "$version" ] || { log "no kubernetes source package found at $mirror"; exit 1; }
out="$KUBE_CACHE/$version/bin"

have_all=1
for w in "${WHAT[@]}"; do [ -x "$out/$(basename "$w")" ] || have_all=0; done
if [ "$have_all" = 1 ]; then
  log "cached: $out"
  echo "$out"
  exit 0
fi

for tool in go rsync make dpkg-source; do
  command -v "$tool" >/dev/null || { log "missing $tool (apt-get install golang-go rsync make dpkg-dev)"; exit 1; }
done

work="$KUBE_CACHE/$version/src"
rm -rf "$work"
mkdir -p "$work"
log "fetching kubernetes $version source into $work"
(cd "$work" && apt-get source -qq kubernetes >&2)
srcdir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -n1)
log "building ${WHAT[*]} (about 5 minutes on 2 cores)"
start=$SECONDS
(cd "$srcdir" && CGO_ENABLED=0 GOFLAGS="" make WHAT="${WHAT[*]}" >&2)
mkdir -p "$out"
for w in "${WHAT[@]}"; do
  install -m 0755 "$srcdir/_output/bin/$(basename "$w")" "$out/"
done
rm -rf "$work"
log "built in $((SECONDS - start)) s: $out"
echo "$out"
