#!/usr/bin/env bash
# The html/ templates as C++ raw string literals, seam_oauth_<page>_html,
# for the adapter to build in: mk/templates.sh OUT PAGE.html...
set -euo pipefail
out=$1
shift
mkdir -p "$(dirname "$out")"
for page in "$@"; do
    printf 'static const char seam_oauth_%s_html[] = R"SEAMHTML(' \
        "$(basename "$page" .html)"
    cat "$page"
    printf ')SEAMHTML";\n'
done > "$out.tmp"
mv "$out.tmp" "$out"
