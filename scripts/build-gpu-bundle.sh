#!/usr/bin/env bash
# Builds the prepared GPU check (issue 17) into one folder that runs on a bare Linux x86-64 machine with an NVIDIA
# GPU, no network and no Node (scripts/gpu-check.sh runs it there):
#   node.xz          this machine's node binary, xz -9 (cached: rebuilt only when node changes)
#   dawn.node.xz     Dawn for Node (node_modules/webgpu/dist/linux-x64), xz -9 (cached like node.xz)
#   gpu-check.cjs    an esbuild bundle of scripts/gpu-check/main.ts with tfjs inside; only dawn.node stays outside
#   libvulkan1_*.deb the Vulkan loader (apt-get download; unpacked without root on the target)
#   built-from       the commit the bundle was built from
# and fails when the folder exceeds $GPU_BUNDLE_LIMIT_MIB (60: the run tool carries 64 MiB in all).
#
#   bash scripts/build-gpu-bundle.sh [--out dir]     (default dist/gpu-check)
#   bash scripts/build-gpu-bundle.sh --bundle-only   gpu-check.cjs and a plain dawn.node only, to run here (tests)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/dist/gpu-check"
bundle_only=0
limit_mib="${GPU_BUNDLE_LIMIT_MIB:-60}"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --bundle-only) bundle_only=1; shift ;;
    *) echo "build-gpu-bundle: unknown argument $1 (usage: [--out dir] [--bundle-only])" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"
dawn="$root/node_modules/webgpu/dist/linux-x64/dawn.node"
[ -f "$dawn" ] || { echo "build-gpu-bundle: no $dawn (npm ci installs the webgpu package)" >&2; exit 1; }

cd "$root"
# The bundle. `webgpu` becomes a shim that loads ./dawn.node beside the bundle; require.resolve (lib/engine's
# "is the package installed?" checks) becomes the identity, since bundled packages have no node_modules to find.
"$root/node_modules/.bin/esbuild" "$root/scripts/gpu-check/main.ts" --bundle --platform=node --target=node20 \
  --format=cjs --outfile="$out/gpu-check.cjs" --log-level=warning \
  --alias:webgpu=./scripts/gpu-check/dawn-shim.cjs '--external:*.node' \
  '--define:require.resolve=__vaelabResolve' '--banner:js=const __vaelabResolve = (id) => id;'

# what the bundle was built from, for scripts/gpu-check.sh to print (the GPU box has no .git)
echo "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" status --porcelain -- lib scripts 2>/dev/null | grep -q . && echo ' with uncommitted changes in lib/ or scripts/') built $(date -u +%Y-%m-%dT%H:%MZ)" > "$out/built-from"

if [ "$bundle_only" = 1 ]; then
  cp "$dawn" "$out/dawn.node"
else
  rm -f "$out/dawn.node"
  # xz -T1: the build machine's cores are shared. Both compressions are cached (minutes on a busy machine).
  if [ ! -f "$out/dawn.node.xz" ] || [ "$dawn" -nt "$out/dawn.node.xz" ]; then
    xz -9 -T1 -c "$dawn" > "$out/dawn.node.xz.tmp" && mv "$out/dawn.node.xz.tmp" "$out/dawn.node.xz"
  fi
  node_bin="$(node -p process.execPath)"
  stamp="$(node -p 'process.version + " " + process.platform + "-" + process.arch') $(stat -c %s "$node_bin")"
  if [ ! -f "$out/node.xz" ] || [ "$(cat "$out/node.stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "build-gpu-bundle: compressing $node_bin (xz -9, about a minute)" >&2
    xz -9 -T1 -c "$node_bin" > "$out/node.xz.tmp" && mv "$out/node.xz.tmp" "$out/node.xz"
    echo "$stamp" > "$out/node.stamp"
  fi
  if ! ls "$out"/libvulkan1_*.deb >/dev/null 2>&1; then
    (cd "$out" && apt-get download libvulkan1) ||
      { echo "build-gpu-bundle: apt-get download libvulkan1 failed (needs Debian/Ubuntu apt with network)" >&2; exit 1; }
  fi
fi

bytes=$(du -sb "$out" | cut -f1)
mib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "build-gpu-bundle: $out is $mib MiB:"
ls -l "$out" | tail -n +2
if [ "$bytes" -gt $((limit_mib * 1048576)) ]; then
  echo "build-gpu-bundle: $out is $mib MiB, over the $limit_mib MiB limit (GPU_BUNDLE_LIMIT_MIB)" >&2
  exit 1
fi
