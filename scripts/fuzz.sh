#!/usr/bin/env bash
# Runs every Go fuzz target for FUZZTIME each, one target at a time (go
# test accepts one -fuzz target per package invocation). `make test` runs
# this with a short FUZZTIME as a smoke test; `make fuzz` runs it longer.
# `go test` alone already runs each target's seeds and committed corpus
# (testdata/fuzz/FuzzXxx) as ordinary tests.
#
# A failing input is written by go test to the package's
# testdata/fuzz/FuzzXxx/ directory: fix the bug and commit that file as a
# regression input.
#
# Environment (all optional):
#   FUZZTIME      time (or NNNx execs) per target; default 2s
#   FUZZPARALLEL  fuzz workers per target; default 1
#   FUZZMINIMIZE  -fuzzminimizetime; default 50x. Go minimizes every new
#                 interesting input, by default for up to 60 s each, which
#                 on the targets that sign a token per input eats the whole
#                 budget and can end the run with "context deadline
#                 exceeded".
#   FUZZJOBS      targets fuzzed at the same time; default 2
#   FUZZ_ONLY     run only targets whose name matches this regexp
#   FUZZ_REPORT   append "package target seconds execs" lines to this file
set -euo pipefail

cd "$(dirname "$0")/.."

GO="${GO:-go}"
fuzztime="${FUZZTIME:-2s}"
parallel="${FUZZPARALLEL:-1}"
minimize="${FUZZMINIMIZE:-50x}"
only="${FUZZ_ONLY:-.*}"
jobs="${FUZZJOBS:-2}"

# package target — keep in step with docs/fuzzing.md.
targets="
./uilang FuzzPick
./keys FuzzParseKEK
./keys FuzzOpen
./clients FuzzCheckRedirectURI
./clients FuzzBuild
./sessionstore FuzzDecodeValues
./sessionstore FuzzValuesRoundTrip
./sessionstore FuzzReadID
./idportenmock FuzzAuthorize
./idportenmock FuzzTestIDHint
./upstream FuzzIDToken
./upstream FuzzIDTokenClaims
./upstream FuzzJWKS
./upstream FuzzDiscovery
./upstream FuzzExchange
./provider FuzzAuthorize
./provider FuzzUnmarshalRequest
./provider FuzzUncompactRequest
./provider FuzzIDTokenHint
./provider FuzzClientAssertion
./provider FuzzCheckAssertionLifetime
./provider FuzzRequestObject
./provider FuzzClientJWKS
./registry FuzzDecodeValidate
./representation FuzzParsePID
./dpop FuzzVerify
./dpop FuzzNormalizeURL
./claimjson FuzzUnmarshal
"

# run_one fuzzes one target and prints one line: status, package,
# target, wall time and execs. The full output is shown on failure.
#
# Go 1.26 can fail a run that found nothing with a bare "context deadline
# exceeded" when the -fuzztime deadline races a busy worker on a loaded
# machine (golang/go#75804, fixed in Go 1.27). A real finding always
# writes its input to testdata/fuzz/<target>/, so such a run is retried
# once and then reported as "flake" without failing.
run_one() {
	local pkg=$1 target=$2 t0=$SECONDS out status execs before after try
	local dir="$pkg/testdata/fuzz/$target"
	out=$(mktemp)
	for try in 1 2; do
		before=$(ls "$dir" 2>/dev/null | sort)
		if "$GO" test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" \
			-fuzzminimizetime "$minimize" -parallel "$parallel" "$pkg" </dev/null >"$out" 2>&1; then
			status=ok
			break
		fi
		after=$(ls "$dir" 2>/dev/null | sort)
		if [ "$before" = "$after" ] && grep -q 'context deadline exceeded' "$out"; then
			status=flake
			continue
		fi
		status=FAIL
		cat "$out"
		break
	done
	# The last progress line has the total execs (none when the run was
	# shorter than go test's 3 s reporting interval).
	execs=$(grep -o 'execs: [0-9]*' "$out" | tail -1 | cut -d' ' -f2 || true)
	rm -f "$out"
	printf 'fuzz %-5s %-16s %-28s %3ds %10s execs\n' "$status" "$pkg" "$target" $((SECONDS - t0)) "${execs:--}"
	if [ -n "${FUZZ_REPORT:-}" ]; then
		printf '%s %s %d %s %s\n' "$pkg" "$target" $((SECONDS - t0)) "${execs:--}" "$status" >>"$FUZZ_REPORT"
	fi
	[ "$status" != FAIL ]
}
export -f run_one
export GO fuzztime parallel minimize

start=$SECONDS
rc=0
printf '%s\n' "$targets" | awk 'NF == 2' | { grep -E -- " ($only)" || true; } |
	xargs -P "$jobs" -L 1 bash -c 'run_one "$0" "$1"' || rc=1
printf 'fuzz: %d s in all\n' $((SECONDS - start))
exit "$rc"
