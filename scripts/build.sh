#!/usr/bin/env bash
# Builds the program as jobs should run it: self-contained (no .NET needed on the compute nodes) and ReadyToRun
# composite (the framework and the program compiled ahead of time together, so a job does not spend its first 0.1-0.2 s
# compiling start-up code; the kernels are still compiled for the CPU they run on; docs/performance.md, "Start-up").
# The first build takes a minute or two (and fetches the runtime and compiler packages from NuGet); later ones seconds.
# Usage: scripts/build.sh [OUTDIR]   (default out/bin; then OUTDIR/MpiDescent)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
build_release "${1:-out/bin}"
