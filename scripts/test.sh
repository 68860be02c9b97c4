#!/usr/bin/env bash
# Runs every test (unit tests single-process; integration tests launch mpiexec.mpich at 1-7 ranks).
# Installs MPICH, liblinear-tools and python3-numpy (peers the export and model-format tests run) if missing.
# Ends with a line "N passed, N failed".
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_mpich
ensure_test_peers
cd "$REPO"
log="$(mktemp)"
status=0
dotnet test MpiDescent.sln --nologo 2>&1 | tee "$log" || status=$?
summary="$(grep -E '(Passed|Failed)!  - Failed:' "$log" | tail -n 1)"
passed="$(sed -nE 's/.*Passed: *([0-9]+).*/\1/p' <<<"$summary")"
failed="$(sed -nE 's/.*Failed: *([0-9]+),.*/\1/p' <<<"$summary")"
rm -f "$log"
if [ -z "$passed" ]; then passed=0; failed=1; status=1; fi
echo "${passed} passed, ${failed} failed"
exit "$status"
