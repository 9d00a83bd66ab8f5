#!/usr/bin/env bash
# The differential check of the redirect policy against the WHATWG URL
# parser: the candidates (the generated set, plus every file of the given
# corpus directories) go through redirect_oracle, which keeps those that
# Seam's host pattern accepts, as sent and as the Location we would build;
# whatwg_check.mjs then reads each with Node's URL. Exits 1 on any
# disagreement.
#
#   differential.sh ORACLE WORK_DIR CORPUS_DIR...
set -euo pipefail

if (( $# < 2 )); then
    echo "usage: $0 ORACLE WORK_DIR CORPUS_DIR..." >&2
    exit 64
fi
oracle=$1 work=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
node=${NODE:-node}
mkdir -p "$work"

"$node" "$here/gen_redirect_candidates.mjs" >"$work/generated.txt"
"$node" "$here/gen_redirect_candidates.mjs" --files "$@" >"$work/corpus.txt"
cat "$work/generated.txt" "$work/corpus.txt" >"$work/candidates.txt"
echo "differential: $(wc -l <"$work/generated.txt") generated +" \
     "$(wc -l <"$work/corpus.txt") corpus lines"

# the checker must see a bad URI as one
if printf 'https://evil.example\\@a.integrations.getseam.com/\n' \
   | "$node" "$here/whatwg_check.mjs" >/dev/null 2>&1
then
    echo "differential: whatwg_check.mjs accepted a URI it must refuse" >&2
    exit 1
fi

"$oracle" <"$work/candidates.txt" >"$work/accepted.txt"
"$oracle" --location <"$work/candidates.txt" >"$work/locations.txt"
status=0
echo "differential: the accepted URIs, as sent"
"$node" "$here/whatwg_check.mjs" <"$work/accepted.txt" || status=1
echo "differential: the Location built from each"
"$node" "$here/whatwg_check.mjs" <"$work/locations.txt" || status=1
exit "$status"
