# Shared by the scripts in this folder: locate the repository and make sure MPICH is installed.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Builds OUTDIR/MpiDescent (default out/bin) as scripts/build.sh says: self-contained, ReadyToRun composite, for this
# machine's runtime identifier. Quiet unless the build fails.
build_release() {
  local out="${1:-out/bin}" rid
  rid=$(dotnet --info | sed -n 's/^ *RID: *//p' | head -n 1)
  (cd "$REPO" && dotnet publish src/MpiDescent -c Release -r "${rid:-linux-x64}" --self-contained true \
    -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true -o "$out" --nologo -v quiet >/dev/null)
}

ensure_mpich() {
  if command -v mpiexec.mpich >/dev/null 2>&1 && ldconfig -p | grep -q 'libmpich.so.12'; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "MPICH not found: installing the Debian package 'mpich'..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mpich >/dev/null
  else
    echo "MPICH is required: install it as root with 'apt-get install mpich' (Debian/Ubuntu)," >&2
    echo "or 'dnf install mpich' (Fedora/RHEL), or load your cluster's MPICH-ABI MPI module." >&2
    exit 6
  fi
}

# The peers the tests run against (test tools, never product dependencies): Debian's liblinear-tools, whose
# liblinear-predict scores the models that 'export --format liblinear' writes, and python3-numpy, which runs
# docs/model-format.md's example with Debian's /usr/bin/python3.
ensure_test_peers() {
  if command -v liblinear-predict >/dev/null 2>&1 && /usr/bin/python3 -c 'import numpy' >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "liblinear-predict or numpy not found: installing the Debian packages 'liblinear-tools python3-numpy'..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblinear-tools python3-numpy >/dev/null
  else
    echo "the tests need liblinear-predict and numpy: install them as root with" >&2
    echo "'apt-get install liblinear-tools python3-numpy'" >&2
    exit 6
  fi
}

# The benchmarks' peers (Debian packages, never product dependencies): installs PACKAGES unless CHECK (a shell
# command) already succeeds; without root, says what is missing and exits 6.
# Usage: ensure_bench_peers "CHECK" PACKAGE...
ensure_bench_peers() {
  local check="$1"; shift
  if bash -c "$check" >/dev/null 2>&1; then return 0; fi
  [ "$(id -u)" = 0 ] || { echo "need $* (apt-get install as root)" >&2; exit 6; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
