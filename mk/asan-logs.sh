#!/usr/bin/env bash
# mk/asan-logs.sh LOGDIR OURS: the verdict of make test-asan on the sanitizer
# report files in LOGDIR (one per process that reported, <tool>.<pid>).
#
# Every report fails, except LeakSanitizer reports of allocations whose stack
# has no frame in our code: nginx leaves some of its own memory to exit (the
# connection and event arrays of ngx_event_process_init, the pool of main(),
# PCRE contexts), and nginx is stripped of its static symbols, so such leaks
# cannot be told apart by a suppression (a suppression matches any frame, and
# every stack through our module has nginx frames below it). A frame is ours
# when it names a path under OURS (the repository: src/, the adapter, the
# module, the CLI, the unit tests) or an unloaded module. Files left with
# nothing but such leaks move to LOGDIR/foreign/, counted, not printed.
set -u
logdir=$1
ours=$2
bad=0 foreign=0
shopt -s nullglob
for f in "$logdir"/*; do
    [ -f "$f" ] || continue
    # Leak blocks (a "Direct/Indirect leak" paragraph) without our frames
    # are dropped; any other paragraph that is not the report frame counts.
    kept=$(awk -v ours="$ours" '
        function flush() {
            if (blk != "" && (!leak || mine)) { out = out blk "\n"; if (!frame) n++ }
            blk = ""; leak = 0; mine = 0; frame = 0
        }
        /^$/ { flush(); next }
        {
            if (blk == "") {
                leak = /^(Direct|Indirect) leak of /
                frame = /^=+$|^==[0-9]+==ERROR: LeakSanitizer: detected memory leaks$|^SUMMARY: AddressSanitizer: [0-9]+ byte\(s\) leaked/
            }
            if (leak && /^ *#[0-9]+ / && (index($0, ours) || /<unknown module>/)) mine = 1
            blk = blk $0 "\n"
        }
        END { flush(); if (n) printf "%s", out }
    ' "$f")
    if [ -n "$kept" ]; then
        bad=$((bad + 1))
        echo "==== $f"
        cat "$f"
    else
        mkdir -p "$logdir/foreign"
        mv "$f" "$logdir/foreign/"
        foreign=$((foreign + 1))
    fi
done
if [ $foreign -gt 0 ]; then
    echo "asan-logs: $foreign report file(s) with only leaks outside our code (nginx's own memory left to exit) in $logdir/foreign"
fi
if [ $bad -gt 0 ]; then
    echo "asan-logs: $bad sanitizer report file(s) in $logdir"
    exit 1
fi
