#!/usr/bin/env bash
# Runs libFuzzer targets, each for a bounded time over a copy of its seed
# corpus in the build tree (fuzz/corpus is never written), FUZZ_JOBS at a
# time (default: the number of cores), then prints per target how long it
# ran and how many inputs it executed. Exits 1 when any target crashed,
# leaked, timed out or ran out of memory; its log tail and the saved input
# are shown.
#
#   run_fuzzers.sh [--fresh] SECONDS BIN_DIR WORK_DIR TARGET...
#
# --fresh starts each corpus over from fuzz/corpus (fuzz-smoke); without
# it WORK_DIR/corpus/TARGET keeps growing from run to run (fuzz).
set -euo pipefail

fresh=0
if [[ ${1:-} == --fresh ]]; then
    fresh=1
    shift
fi
if (( $# < 4 )); then
    echo "usage: $0 [--fresh] SECONDS BIN_DIR WORK_DIR TARGET..." >&2
    exit 64
fi
seconds=$1 bin_dir=$2 work=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}

mkdir -p "$work/logs" "$work/results"

run_one() {
    local t=$1
    local corpus=$work/corpus/$t artifacts=$work/artifacts/$t/
    local log=$work/logs/$t.log
    if (( fresh )); then
        rm -rf "$corpus" "$artifacts"
    fi
    mkdir -p "$corpus" "$artifacts"
    # seeds in, never overwriting what a previous run grew
    cp -n "$here/corpus/$t"/* "$corpus"/ 2>/dev/null || true

    local args=(-max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10
                -print_final_stats=1 -artifact_prefix="$artifacts")
    if [[ -f $here/dict/$t.dict ]]; then
        args+=(-dict="$here/dict/$t.dict")
    fi
    local start end rc=0
    start=$(date +%s.%N)
    "$bin_dir/fuzz_$t" "${args[@]}" "$corpus" >"$log" 2>&1 || rc=$?
    end=$(date +%s.%N)

    local execs
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    printf '%s %s %s %s %s\n' "$t" "$rc" \
        "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')" \
        "${execs:-?}" "$(find "$corpus" -type f | wc -l)" \
        >"$work/results/$t"
}

rm -f "$work/results"/*
running=0
for t in "$@"; do
    if [[ ! -x $bin_dir/fuzz_$t ]]; then
        echo "no fuzz target $bin_dir/fuzz_$t" >&2
        exit 1
    fi
    run_one "$t" &
    running=$((running + 1))
    if (( running >= jobs )); then
        wait -n || true
        running=$((running - 1))
    fi
done
wait

failed=0
printf '%-16s %8s %12s %10s %8s\n' target seconds executions exec/s corpus
for t in "$@"; do
    if [[ ! -f $work/results/$t ]]; then
        echo "$t: no result" >&2
        failed=1
        continue
    fi
    read -r _ rc secs execs files <"$work/results/$t"
    rate=$(awk -v e="$execs" -v s="$secs" \
        'BEGIN { if (s > 0 && e ~ /^[0-9]+$/) printf "%d", e / s; else print "?" }')
    printf '%-16s %8s %12s %10s %8s' "$t" "$secs" "$execs" "$rate" "$files"
    if [[ $rc != 0 ]]; then
        printf '   FAILED (exit %s)\n' "$rc"
        failed=1
    else
        printf '\n'
    fi
done

for t in "$@"; do
    read -r _ rc _ <"$work/results/$t" || continue
    if [[ $rc != 0 ]]; then
        echo
        echo "=== $t failed: the last lines of $work/logs/$t.log ==="
        tail -n 60 "$work/logs/$t.log"
        echo "=== inputs saved in $work/artifacts/$t/:"
        ls -l "$work/artifacts/$t/"
    fi
done
exit "$failed"
