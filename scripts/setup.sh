#!/usr/bin/env bash
# The one set-up command for a fresh Debian/Ubuntu machine (the README's first command; .ci/run calls it too):
# installs the Debian packages below where it can (as root, or with sudo), says what it skips and why where it
# cannot, then runs `npm ci` (whose install step builds the native engine) and prints the engine's build status.
#   --require-native  exit 1 if the native engine did not build (CI, where the packages are installed)
#   --no-apt          leave the system packages alone
set -euo pipefail
cd "$(dirname "$0")/.."

# g++, make, python3, libopenblas-dev build the native CPU engine at `npm ci` (native/), libdnnl-dev (oneDNN) gives
# it 2.8–3.2× faster convolutions (optional: without it they run on im2col + OpenBLAS); chromium renders the PNG
# exports and drives the browser tests; jupyter-notebook and jupyter-nbconvert serve `npm run jupyter` and the tests
# that go through real Jupyter; espeak-ng and flite synthesise VI-EMD's speech stand-in and sox resamples it;
# libvulkan1 is the Vulkan loader that the webgpu backend (Dawn) needs: on a GPU with the vendor's driver, and in
# test/engine/webgpu.test.ts on chromium's SwiftShader (a CPU Vulkan driver, which the test points Dawn at itself).
PACKAGES=(g++ make python3 libopenblas-dev libdnnl-dev chromium jupyter-notebook jupyter-nbconvert espeak-ng flite sox libvulkan1)

say() { echo "vaelab setup: $*"; }

require_native=0
apt=1
for arg in "$@"; do
  case "$arg" in
    --require-native) require_native=1 ;;
    --no-apt) apt=0 ;;
    -h | --help)
      sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "vaelab setup: unknown argument '$arg' (known: --require-native, --no-apt, --help)" >&2
      exit 2
      ;;
  esac
done

if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "vaelab setup: Node.js >= 20 is needed (found: $(node -v 2>/dev/null || echo none)); install it from https://nodejs.org or your distribution, then run this again" >&2
  exit 1
fi

# What is missing without each group, for the message when the packages cannot be installed.
consequences() {
  local m=" $* "
  case "$m" in *" g++ "* | *" make "* | *" python3 "* | *" libopenblas-dev "*)
    say "  without g++ make python3 libopenblas-dev: no native engine, training runs on tfjs's pure-JS cpu backend (many times slower)" ;;
  esac
  case "$m" in *" libdnnl-dev "*) say "  without libdnnl-dev: the native engine's convolutions run on im2col + OpenBLAS (2.8–3.2× slower)" ;; esac
  case "$m" in *" chromium "*) say "  without chromium: figures are exported without PNGs, the browser tests skip" ;; esac
  case "$m" in *" jupyter-"*) say "  without jupyter-notebook jupyter-nbconvert: no 'npm run jupyter' (the headless 'npm run figures' needs no Jupyter)" ;; esac
  case "$m" in *" libvulkan1 "*) say "  without libvulkan1: no webgpu backend (GPU training through Dawn), the webgpu tests skip" ;; esac
  case "$m" in *" espeak-ng "* | *" flite "* | *" sox "*) say "  without espeak-ng flite sox: VI-EMD's speech stand-in cannot be synthesised (its tests skip, naming the reason)" ;; esac
}

if [ "$apt" = 0 ]; then
  say "leaving the Debian packages alone (--no-apt)"
elif ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
  say "no apt-get here (not Debian/Ubuntu): skipping the system packages; install the equivalents of: ${PACKAGES[*]}"
  consequences "${PACKAGES[@]}"
else
  missing=()
  for p in "${PACKAGES[@]}"; do
    [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] || missing+=("$p")
  done
  if [ "${#missing[@]}" = 0 ]; then
    say "all ${#PACKAGES[@]} Debian packages are installed (${PACKAGES[*]})"
  else
    as_root=()
    if [ "$(id -u)" = 0 ]; then
      can=1
    elif command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
      can=1 as_root=(sudo) # without a password, or asking for it at this terminal
    else
      can=0
    fi
    if [ "$can" = 0 ]; then
      say "skipping the Debian packages: not root and no usable sudo; missing: ${missing[*]}"
      consequences "${missing[@]}"
      say "  to install them: run this again as root (or with sudo), or: apt-get install --no-install-recommends ${missing[*]}"
    else
      say "installing the missing Debian packages: ${missing[*]}"
      if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
        ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
        echo "vaelab setup: apt-get could not install: ${missing[*]} (see its message above); fix that and run this again, or pass --no-apt" >&2
        exit 1
      fi
    fi
  fi
fi

npm ci --no-audit --no-fund

# npm ci's install step (scripts/build-native.js) wrote why the engine did or did not build.
status="${VAELAB_NATIVE_DIR:-native}/build-status.json"
if node -e '
  const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (s.ok) console.log(`vaelab setup: native engine: built (${s.reason})`);
  else console.log(`vaelab setup: native engine: NOT built (${s.reason}); training falls back to the slow pure-JS cpu backend; ${s.hint}`);
  process.exit(s.ok ? 0 : 3);
' "$status"; then
  :
else
  rc=$?
  [ "$rc" = 3 ] || say "native engine: no build status in $status (the install step did not run)"
  if [ "$require_native" = 1 ]; then
    echo "vaelab setup: the native engine did not build (--require-native)" >&2
    exit 1
  fi
fi
say "done. Next: npm run figures -- --dry-run (what the main job runs, and how long), then npm run figures; npm test runs the tests"
