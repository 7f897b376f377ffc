#!/usr/bin/env bash
# The prepared GPU check (issue 17), run from the repository root on a Linux x86-64 machine with an NVIDIA GPU, no
# network and no Node, with the folder that scripts/build-gpu-bundle.sh built (dist/gpu-check) present. It unpacks
# node, dawn.node and, when the machine has no Vulkan loader, libvulkan1 into a temporary folder (no root needed),
# points the loader at the NVIDIA Vulkan driver, and runs the check (scripts/gpu-check/main.ts): it refuses a
# software adapter, runs the parity cases, times the bench models at demo and paper sizes, prints a markdown table.
# Then, where a python3 has torch with CUDA, scripts/bench_torch.py --device cuda times the same models and the
# table is printed again with PyTorch's rows beside. Results go to $OUT (or a temporary folder): gpu-check.json,
# table.md, torch.json, table-with-torch.md. Within 5 minutes: the check's own time budget (--budget, 180 s) plus
# timeouts on each part.
#
#   bash scripts/gpu-check.sh [--bundle dir] [check flags: --allow-software --quick --skip-parity --models a,b …]
#   --allow-software: run on a software adapter (here: Chromium's SwiftShader), for testing this script.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bundle="$root/dist/gpu-check"
args=()
allow_software=0
quick=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) bundle="$2"; shift 2 ;;
    --allow-software) allow_software=1; args+=("$1"); shift ;;
    --quick) quick=1; args+=("$1"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done
say() { echo "gpu-check.sh: $*"; }
[ -f "$bundle/gpu-check.cjs" ] || { say "no $bundle/gpu-check.cjs: run 'bash scripts/build-gpu-bundle.sh' on a machine with the repository's node_modules, and bring dist/gpu-check along"; exit 2; }
out="${OUT:-$(mktemp -d)}"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# .xz without xz-utils: python3's lzma
unxz_to() {
  if command -v xz >/dev/null 2>&1; then xz -dc "$1" > "$2"
  elif command -v python3 >/dev/null 2>&1; then python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  else say "neither xz nor python3 here to unpack $1"; return 1
  fi
}

say "bundle: $bundle, from $(cat "$bundle/built-from" 2>/dev/null || echo 'an unknown commit')"
say "machine: $(uname -srm), glibc $(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}'), $(nproc) cores"
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | sed 's/^/gpu-check.sh: /'
glibc="$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')"
if [ -n "$glibc" ] && [ "$(printf '%s\n2.34\n' "$glibc" | sort -V | head -1)" != "2.34" ]; then
  say "warning: glibc $glibc < 2.34; dawn.node and the bundled libvulkan need 2.34 (Ubuntu 22.04, Debian 12 or newer)"
fi

# node and dawn.node (a --bundle-only build has a plain dawn.node and no node: use the node on PATH)
cp "$bundle/gpu-check.cjs" "$work/"
if [ -f "$bundle/node.xz" ]; then
  unxz_to "$bundle/node.xz" "$work/node" || exit 2
  chmod +x "$work/node"
  node="$work/node"
elif command -v node >/dev/null 2>&1; then
  node="$(command -v node)"
else
  say "no node.xz in $bundle and no node on PATH"; exit 2
fi
if [ -f "$bundle/dawn.node.xz" ]; then unxz_to "$bundle/dawn.node.xz" "$work/dawn.node" || exit 2
else cp "$bundle/dawn.node" "$work/dawn.node" || exit 2
fi

# the Vulkan loader: the machine's where lib/engine/webgpu.ts looks for it, else (or with GPU_CHECK_BUNDLED_VULKAN=1)
# the bundled .deb's
has_loader=0
[ "${GPU_CHECK_BUNDLED_VULKAN:-0}" = 1 ] || for d in ${LD_LIBRARY_PATH:+${LD_LIBRARY_PATH//:/ }} /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib /lib/x86_64-linux-gnu; do
  [ -e "$d/libvulkan.so.1" ] && { has_loader=1; say "Vulkan loader: $d/libvulkan.so.1"; break; }
done
if [ "$has_loader" = 0 ]; then
  deb="$(ls "$bundle"/libvulkan1_*.deb 2>/dev/null | head -1)"
  [ -n "$deb" ] || { say "no libvulkan.so.1 on this machine and no libvulkan1 .deb in $bundle"; exit 2; }
  mkdir -p "$work/vulkan"
  if command -v dpkg-deb >/dev/null 2>&1; then dpkg-deb -x "$deb" "$work/vulkan"
  else
    # a .deb is an ar archive holding data.tar.*: python3 reads both
    python3 - "$deb" "$work/vulkan" <<'PY' || { say "could not unpack $deb (no dpkg-deb, and python3 failed)"; exit 2; }
import io, sys, tarfile
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"!<arch>\n", "not an ar archive"
i = 8
while i < len(data):
    name, size = data[i:i + 16].decode().strip().rstrip("/"), int(data[i + 48:i + 58])
    if name.startswith("data.tar"):
        tarfile.open(fileobj=io.BytesIO(data[i + 60:i + 60 + size])).extractall(sys.argv[2])
        break
    i += 60 + size + (size & 1)
else:
    sys.exit("no data.tar member")
PY
  fi
  export LD_LIBRARY_PATH="$work/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "Vulkan loader: bundled $(basename "$deb")"
fi

# the driver: VK_ICD_FILENAMES if set, else NVIDIA's ICD manifest in the usual places
if [ -z "${VK_ICD_FILENAMES:-}" ]; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
    /etc/vulkan/icd.d/nvidia_icd.json /usr/local/share/vulkan/icd.d/nvidia_icd.json \
    /usr/share/vulkan/icd.d/nvidia_icd.x86_64.json /etc/vulkan/icd.d/nvidia_icd.x86_64.json; do
    [ -f "$f" ] && { export VK_ICD_FILENAMES="$f"; break; }
  done
fi
if [ -z "${VK_ICD_FILENAMES:-}" ]; then
  f="$(find /usr/local/nvidia /usr/share/vulkan /etc/vulkan /usr/local/share/vulkan -name 'nvidia_icd*.json' 2>/dev/null | head -1)"
  [ -n "$f" ] && export VK_ICD_FILENAMES="$f"
fi
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ "$allow_software" = 1 ] && [ -f /usr/lib/chromium/vk_swiftshader_icd.json ]; then
  export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
fi
if [ -z "${VK_ICD_FILENAMES:-}" ]; then
  say "no NVIDIA Vulkan ICD manifest (nvidia_icd.json) found; set VK_ICD_FILENAMES. In a container the NVIDIA runtime mounts it only with NVIDIA_DRIVER_CAPABILITIES including 'graphics'"
  exit 2
fi
say "Vulkan driver: $VK_ICD_FILENAMES"
# the manifest names the driver library (libGLX_nvidia.so.0); the NVIDIA container runtime puts it beside the ICD
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [ -d "$d" ] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"
done
lib="$(sed -n 's/.*"library_path"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$VK_ICD_FILENAMES" | head -1)"
found=0
case "$lib" in
  "") found=1 ;;
  /*) [ -e "$lib" ] && found=1 ;;
  */*) [ -e "$(dirname "$VK_ICD_FILENAMES")/$lib" ] && found=1 ;; # relative to the manifest
  *) # a bare name: the library search path
    for d in ${LD_LIBRARY_PATH:+${LD_LIBRARY_PATH//:/ }} /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /lib/x86_64-linux-gnu; do
      [ -e "$d/$lib" ] && found=1
    done
    ldconfig -p 2>/dev/null | grep -q "$lib" && found=1 ;;
esac
[ "$found" = 1 ] ||
  say "warning: the driver library the manifest names, $lib, is not found (in a container the NVIDIA runtime mounts it only with NVIDIA_DRIVER_CAPABILITIES including 'graphics')"

# the check: its own budget keeps it within 3 minutes of timing; the timeout catches a hung GPU step
timeout 240 "$node" "$work/gpu-check.cjs" --out "$out" ${args[@]+"${args[@]}"}
rc=$?
[ "$rc" = 124 ] && say "the check ran past 240 s and was stopped; $out/gpu-check.json has the rows it finished"
[ -f "$out/gpu-check.json" ] || exit "$rc"

# PyTorch on the same GPU, same models (not after --quick: its small models have no PyTorch twins)
# (the Pythons scripts/bench.ts tries: $VAELAB_PYTHON, python3 on PATH, the system's)
py=""
for p in ${VAELAB_PYTHON:-} python3 /usr/bin/python3; do
  "$p" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1 && { py="$p"; break; }
done
if [ "$quick" = 1 ]; then
  say "PyTorch rows: not with --quick"
elif [ -z "$py" ]; then
  say "PyTorch rows: no python3 here imports torch with CUDA available"
else
  models="mlp-vae,conv-vae,tasnet,vi-tasnet,pvae,cdvae,tasnet-librimix,cdvae-paper"
  timeout 100 "$py" "$root/scripts/bench_torch.py" --device cuda --models "$models" --min-seconds 1 --max-steps 30 > "$out/torch.json"
  if [ $? = 0 ]; then
    echo
    say "the table with PyTorch CUDA on the same GPU:"
    "$node" "$work/gpu-check.cjs" --table "$out/gpu-check.json" --torch "$out/torch.json" | tee "$out/table-with-torch.md"
  else
    say "scripts/bench_torch.py --device cuda failed or ran past 100 s"
  fi
fi
say "results in $out"
exit "$rc"
