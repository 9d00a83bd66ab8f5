#!/usr/bin/env bash
# make bench: the module against nginx's own `return 204` and against a
# reference OAuth server (panva's oidc-provider, ../shared/bench), all on
# this machine, loopback only, in one run. Each figure is the median of
# REPS runs of wrk (1 thread, 32 connections, SECONDS each), the configs
# interleaved so that drift hits them alike. Prints a table, then one
# "ratio NAME: VALUE" line per ratio.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
peer_script=${PEER_SCRIPT:-$top/../shared/bench/peer-oidc-provider.sh}
nginx=${NGINX_BIN:-/usr/sbin/nginx}
reps=${REPS:-3}
secs=${SECONDS_PER_RUN:-5}
conns=32
scale=${SCALE:-"10000 1000000 10000000"}
work=$top/build/bench
fill=$top/build/seam-bench-fill
check=$top/build/seam-bench-check
redeem_bin=$top/build/seam-bench-redeem
cli=$top/build/seam-oauth

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

port=$(free_port)
peer_port=$(free_port)
nginx_pid=
peer_pid=
scale_pids=

cleanup() {
    for p in $nginx_pid $scale_pids; do kill -QUIT "$p" 2>/dev/null || true; done
    [ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null || true
}
trap cleanup EXIT

# one nginx with the module: 2 workers (this machine's cores). Arguments:
# STORE [STORE_OPTIONS [PREFIX [PORT [EXTRA]]]], EXTRA more lines for its
# server block; sets nginx_pid.
start_nginx() {
    local store=$1 store_options=${2:-} prefix=${3:-$work/prefix} listen=${4:-$port}
    local extra=${5:-}
    mkdir -p "$prefix/logs" "$prefix/conf"
    cat > "$prefix/conf/nginx.conf" <<CONF
load_module $top/build/ngx_http_seam_oauth_module.so;
worker_processes 2;
pid logs/nginx.pid;
error_log logs/error.log warn;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 4096; }
# sign-ins hash in a pool of their own: one thread per worker
thread_pool seam_hash threads=1;
http {
    access_log off;
    client_body_temp_path $prefix/body;
    seam_oauth_store $store map_size=8g $store_options;
    seam_oauth_hash_thread_pool seam_hash;
    seam_oauth_code_ttl 10m;
    seam_oauth_throttle_ip 1000000;
    seam_oauth_client seam secret=seamsecret consent=off
                      redirect=https://*.integrations.getseam.com/ intercom_guide;
    server {
        listen 127.0.0.1:$listen backlog=4096;
        location = /floor { return 204; }
        location = /ar { auth_request /_check; empty_gif; }
        location = /ap { seam_oauth_bearer on; empty_gif; }
        location = /gif { empty_gif; }
        location = /ar_none { auth_request /_none; empty_gif; }
        location = /_none { internal; return 204; }
        location = /_check { internal; seam_oauth_check; }
        location = /authorize { seam_oauth_authorize; }
        location = /oauth/token { seam_oauth_token; }
$extra
    }
}
CONF
    "$nginx" -p "$prefix" -c conf/nginx.conf
    for _ in $(seq 1 50); do
        [ -s "$prefix/logs/nginx.pid" ] && break
        sleep 0.1
    done
    nginx_pid=$(cat "$prefix/logs/nginx.pid")
    sleep 0.5
}

stop_nginx() {
    local pid=${1:-$nginx_pid}
    kill -QUIT "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    [ "$pid" = "$nginx_pid" ] && nginx_pid=
    return 0
}

# wrk, printing "RPS,OK_RPS,P99_MS,REQUESTS" (OK: answers that were 2xx
# or 3xx)
run_wrk() {
    local url=$1; shift
    local out
    out=$(wrk -t1 -c"$conns" -d"${secs}"s --latency "$url" "$@" 2>&1)
    /usr/bin/python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
if "Requests/sec" not in out:
    sys.exit("wrk failed:\n" + out)
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
total = int(re.search(r"(\d+) requests in", out).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
bad = int(bad.group(1)) if bad else 0
dur = float(re.search(r"requests in ([\d.]+)(m?s)", out).group(1))
unit = re.search(r"requests in [\d.]+(m?s)", out).group(1)
dur = dur / 1000 if unit == "ms" else dur
p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
print(f"{rps:.0f},{(total - bad) / dur:.0f},{ms:.3f},{total}")
PY
}

# CPU time, in clock ticks, of an nginx's workers so far (the main one's
# unless a master's pid is given)
workers_cpu() {
    local w t=0
    for w in $(pgrep -P "${1:-$nginx_pid}"); do
        # fields after the command name: utime and stime are the 12th and 13th
        set -- $(sed 's/.*) //' "/proc/$w/stat")
        t=$((t + ${12} + ${13}))
    done
    echo "$t"
}

# measure KEY URL [WRK ARGS]: run_wrk against the main nginx, its line
# added to results[KEY], and the workers' CPU time per request, in
# microseconds, to results[cpu_KEY]. Throughput on this shared machine
# swings from run to run with its neighbours; the CPU the workers spend
# per request is the module's own cost, and swings far less.
hz=$(getconf CLK_TCK)
measure() {
    local key=$1; shift
    local before after out
    before=$(workers_cpu "${measured_pid:-}")
    out=$(run_wrk "$@")
    after=$(workers_cpu "${measured_pid:-}")
    results[$key]+=" $out"
    results[cpu_$key]+=" $(awk -v t=$((after - before)) -v hz="$hz" -v n="${out##*,}" \
        'BEGIN { printf "%.2f", (n > 0 ? t * 1e6 / hz / n : 0) }')"
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A results

echo "== $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r), nginx $("$nginx" -v 2>&1 | sed 's|.*/||')"
rm -rf "$work"
mkdir -p "$work"

# the store: 1,000,000 live tokens; wrk rotates over 100,000 of them
"$fill" "$work/store" tokens 1000000 "$work/tokens" 100000 > "$work/fill.txt"
/usr/bin/python3 -c 'import secrets
for _ in range(100000): print(secrets.token_urlsafe(32))' > "$work/unknown"
# codes for a first probe of the redemption rate; the runs' own supply is
# sized from it (below)
"$fill" "$work/store" codes 50000 "$work/codes.probe" > /dev/null
printf '%s\n' 'bench owner password' | "$cli" --store "$work/store" user add owner@bench.example > /dev/null
start_nginx "$work/store"
# the same nginx with the metrics on (a seam_oauth_metrics location: every
# check counted in shared memory), on the same store, for the bearer
# check's cost with the counters
metrics_port=$(free_port)
start_nginx "$work/store" "" "$work/prefix_metrics" "$metrics_port" \
    "        location = /metrics { seam_oauth_metrics; }"
metrics_pid=$nginx_pid
scale_pids+=" $metrics_pid"
nginx_pid=$(cat "$work/prefix/logs/nginx.pid")

# codes: each redemption run gets a slice of its own (wrk's script starts
# at the first line of its file each run, and a code is single-use), four
# times what the probe's rate would use in one run, at least 100,000; a
# run that still uses up its slice fails the bench (supply_check), rather
# than report the supply as the rate
probe=$(secs=1 run_wrk "http://127.0.0.1:$port/oauth/token" -s "$top/bench/post.lua" -- \
    "$work/codes.probe" "code=%s&client_id=seam&client_secret=seamsecret")
slice_codes=$(awk -v r="$(echo "$probe" | cut -d, -f2)" -v s="$secs" \
    'BEGIN { n = int(r * s * 4); print (n < 100000 ? 100000 : n) }')
"$fill" "$work/store" codes $(((2 * reps + 1) * slice_codes)) "$work/codes" > /dev/null
split -l "$slice_codes" -d -a 3 "$work/codes" "$work/codes."
echo "(codes: a first probe redeemed $(echo "$probe" | cut -d, -f2)/s; $slice_codes codes per run)"

# fails the bench when a run sent as many requests as it had codes
supply_check() {
    local name=$1 line=$2 supply=$3 sent
    sent=${line##*,}
    if [ "$sent" -ge "$supply" ]; then
        echo "bench: $name sent $sent requests with $supply codes: it used up its supply," \
             "so its figure would be the supply's, not the module's" >&2
        exit 1
    fi
}

peer_pid=$(bash "$peer_script" start "$peer_port")
peer_token=$(curl -s -u seam:seamsecret -d grant_type=client_credentials \
    "http://127.0.0.1:$peer_port/token" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
echo "$peer_token" > "$work/peer_token"
basic="Basic $(printf 'seam:seamsecret' | base64)"

# 1-5, interleaved. The floor gets the very requests the bearer locations
# get (same script, same Authorization headers, which `return 204`
# ignores), so that wrk's own share of the two cores is the same in both;
# floor_fixed is the floor with one fixed request, gif the content the
# guarded locations answer with, without a check, and ar_none the same
# with `auth_request` to a bare `return 204`: what the bearer locations
# would cost with a check that cost nothing.
for rep in $(seq 1 "$reps"); do
    measure floor "http://127.0.0.1:$port/floor" -s "$top/bench/bearer.lua" -- "$work/tokens"
    measure floor_fixed "http://127.0.0.1:$port/floor"
    measure gif "http://127.0.0.1:$port/gif" -s "$top/bench/bearer.lua" -- "$work/tokens"
    measure ar_none "http://127.0.0.1:$port/ar_none" -s "$top/bench/bearer.lua" -- "$work/tokens"
    measure ar "http://127.0.0.1:$port/ar" -s "$top/bench/bearer.lua" -- "$work/tokens"
    measured_pid=$metrics_pid measure ar_metrics "http://127.0.0.1:$metrics_port/ar" \
        -s "$top/bench/bearer.lua" -- "$work/tokens"
    measure ap "http://127.0.0.1:$port/ap" -s "$top/bench/bearer.lua" -- "$work/tokens"
    measured_pid=$metrics_pid measure ap_metrics "http://127.0.0.1:$metrics_port/ap" \
        -s "$top/bench/bearer.lua" -- "$work/tokens"
    measure invalid "http://127.0.0.1:$port/ar" -s "$top/bench/bearer.lua" -- "$work/unknown"
    results[peer_intro]+=" $(run_wrk "http://127.0.0.1:$peer_port/token/introspection" \
        -s "$top/bench/post.lua" -- "$work/peer_token" "token=%s" "$basic")"
done

# 6: redemptions with durable commits, against the peer's client credentials
slice=0
next_codes() { codes=$(printf '%s/codes.%03d' "$work" "$slice"); slice=$((slice + 1)); }
for rep in $(seq 1 "$reps"); do
    next_codes
    out=$(run_wrk "http://127.0.0.1:$port/oauth/token" -s "$top/bench/post.lua" -- \
        "$codes" "code=%s&client_id=seam&client_secret=seamsecret")
    supply_check token_redeem "$out" "$slice_codes"
    results[redeem]+=" $out"
    results[peer_cc]+=" $(run_wrk "http://127.0.0.1:$peer_port/token" -s "$top/bench/post.lua" -- \
        - "grant_type=client_credentials" "$basic")"
done

# 7: sign-ins (argon2id, m=19 MiB, t=2) and the bearer check's latency
# meanwhile. Each rep measures without sign-ins, then during a storm of
# them: 8 connections on the check flat out; a light probe of 2
# connections on the check, whose p99 is the check's own latency more than
# wrk's queueing; and the same probe on `return 204`, the machine's own
# p99 for that load (on two shared cores the client's wake-ups and the
# kernel's loopback path make most of the tail). loop_wait is the server's
# side of the question: the mean time the workers' event loops waited on
# the run queue per time slice during the probe (/proc/TID/schedstat).
loop_wait() {
    local w wait=0 slices=0 waited n
    for w in $(pgrep -P "$nginx_pid"); do
        # one read: time on the CPU, time waiting for it, time slices
        read -r _ waited n < "/proc/$w/task/$w/schedstat" || continue
        wait=$((wait + waited))
        slices=$((slices + n))
    done
    echo "$wait $slices"
}
latency_runs() {
    local tag=$1 before after
    results[ar_$tag]+=" $(conns=8 run_wrk "http://127.0.0.1:$port/ar" -s "$top/bench/bearer.lua" -- "$work/tokens")"
    before=$(loop_wait)
    results[probe_$tag]+=" $(conns=2 run_wrk "http://127.0.0.1:$port/ar" -s "$top/bench/bearer.lua" -- "$work/tokens")"
    after=$(loop_wait)
    results[loop_wait_$tag]+=" $(awk -v a="$before" -v b="$after" 'BEGIN {
        split(a, x, " "); split(b, y, " ")
        if (y[2] > x[2]) printf "%.1f", (y[1] - x[1]) / (y[2] - x[2]) / 1000
        else printf "-" }')"
    results[floor_probe_$tag]+=" $(conns=2 run_wrk "http://127.0.0.1:$port/floor" -s "$top/bench/bearer.lua" -- "$work/tokens")"
}
# the sign-in form's CSRF token and cookie, fresh for each storm so that
# long settings stay within the form's lifetime
login_form() {
    local page csrf
    page=$(curl -s -i "http://127.0.0.1:$port/authorize?redirect_uri=https%3A%2F%2Fb.integrations.getseam.com%2Fcb")
    login_cookie=$(printf '%s' "$page" | sed -n 's/^Set-Cookie: \(seam_oauth_csrf=[^;]*\).*/\1/p' | tr -d '\r')
    csrf=$(printf '%s' "$page" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p')
    login_body="client_id=seam&redirect_uri=https%3A%2F%2Fb.integrations.getseam.com%2Fcb&response_type=code&csrf_token=$csrf&email=owner%40bench.example&password=bench+owner+password"
}
# waits until the workers' CPU time stops growing: sign-ins still queued
# for hashing when the storm's wrk stops must not run into the next
# measurement
settle() {
    local a b
    for _ in $(seq 1 40); do
        a=$(workers_cpu); sleep 0.5; b=$(workers_cpu)
        [ $((b - a)) -le 2 ] && return 0
    done
    echo "bench: nginx's workers stayed busy after the storm" >&2
}
login_bad=0
for rep in $(seq 1 "$reps"); do
    latency_runs quiet
    login_form
    # the storm outlasts the three measurements and is stopped after them
    # (wrk reports what it did when interrupted)
    wrk -t1 -c16 -d$((secs * 3 + 60))s "http://127.0.0.1:$port/authorize" -s "$top/bench/post.lua" -- \
        - "$login_body" "" "$login_cookie" > "$work/login.txt" 2>&1 &
    login_wrk=$!
    sleep 1
    latency_runs storm
    kill -INT "$login_wrk"
    wait "$login_wrk"
    rate=$(sed -n 's/Requests\/sec:\s*//p' "$work/login.txt" | tr -d ' ')
    if [ -z "$rate" ]; then
        echo "bench: the sign-in load failed:" >&2
        cat "$work/login.txt" >&2
        exit 1
    fi
    results[login]+=" $rate"
    login_bad=$((login_bad + $(sed -n 's/.*Non-2xx or 3xx responses: //p' "$work/login.txt" | grep . || echo 0)))
    settle
done
# what the metrics counted meanwhile, for the record
curl -s "http://127.0.0.1:$metrics_port/metrics" > "$work/metrics.txt"
stop_nginx "$metrics_pid"
scale_pids=
stop_nginx

# 6b: the trade an operator can make: sync=nometa (one fsync per commit;
# a power cut may undo the last commit), same store, fresh codes
start_nginx "$work/store" sync=nometa
for rep in $(seq 1 "$reps"); do
    next_codes
    out=$(run_wrk "http://127.0.0.1:$port/oauth/token" -s "$top/bench/post.lua" -- \
        "$codes" "code=%s&client_id=seam&client_secret=seamsecret")
    supply_check "token_redeem (sync=nometa)" "$out" "$slice_codes"
    results[redeem_nometa]+=" $out"
done
stop_nginx

# 6c: the commit's own cost, in process, without nginx: 16 redemptions
# per durable write transaction, on the same store, for 3 s. Its supply is
# sized like the runs' above, from half a second on 50,000 codes (a probe
# that runs out first means more than 100,000/s); the tool fails if it
# still runs out
"$fill" "$work/store" codes 50000 "$work/codes.inproc_probe" > /dev/null
inproc_rate=$("$redeem_bin" "$work/store" "$work/codes.inproc_probe" 16 0.5 2>/dev/null \
    | sed -n 's/.* per_second \([0-9]*\).*/\1/p')
inproc_codes=$(awk -v r="${inproc_rate:-200000}" 'BEGIN { n = int(r * 3 * 4); print (n < 100000 ? 100000 : n) }')
"$fill" "$work/store" codes "$inproc_codes" "$work/codes.inproc" > /dev/null
redeem_inproc=$("$redeem_bin" "$work/store" "$work/codes.inproc" 16 3)

# 8: scale. One store and one nginx per size, all running at once, and
# their wrk runs interleaved, so that drift hits every size alike.
declare -A scale_port scale_pid
for n in $scale; do
    "$fill" "$work/scale_$n" tokens "$n" "$work/scale_tokens_$n" 100000 > "$work/scale_fill_$n.txt"
    mkdir -p "$work/scale_compact"
    mdb_copy -c "$work/scale_$n" "$work/scale_compact"
    results[scale_compact_$n]=$(stat -c %s "$work/scale_compact/data.mdb" 2>/dev/null || echo 0)
    rm -rf "$work/scale_compact"
    results[scale_inproc_$n]=$("$check" "$work/scale_$n" "$work/scale_tokens_$n" 2 | sed -n 's/.*ns_per_check \([0-9.]*\).*/\1/p')
    results[scale_live_$n]=$(awk '{print $6}' "$work/scale_fill_$n.txt")
done
for n in $scale; do
    scale_port[$n]=$(free_port)
    start_nginx "$work/scale_$n" "" "$work/prefix_$n" "${scale_port[$n]}"
    scale_pid[$n]=$nginx_pid
    scale_pids+=" $nginx_pid"
    nginx_pid=
done
for rep in $(seq 1 "$reps"); do
    for n in $scale; do
        results[scale_runs_$n]+=" $(run_wrk "http://127.0.0.1:${scale_port[$n]}/ar" -s "$top/bench/bearer.lua" -- "$work/scale_tokens_$n")"
    done
done
for n in $scale; do
    rss=0
    for w in $(pgrep -P "${scale_pid[$n]}"); do rss=$((rss + $(ps -o rss= -p "$w"))); done
    results[scale_rss_$n]=$rss
    stop_nginx "${scale_pid[$n]}"
    rm -rf "$work/scale_$n"
done
scale_pids=

bash "$peer_script" stop "$peer_pid" || true
peer_pid=

# report
col() { local i=$1; shift; for r in "$@"; do echo "$r" | cut -d, -f"$i"; done; }
med_rps() { median $(col 1 ${results[$1]}); }
med_ok() { median $(col 2 ${results[$1]}); }
med_p99() { median $(col 3 ${results[$1]}); }

floor=$(med_rps floor); ar=$(med_rps ar); ap=$(med_rps ap); inv=$(med_rps invalid)
intro=$(med_rps peer_intro); redeem=$(med_ok redeem); cc=$(med_ok peer_cc)

# one row of the table: NAME KEY [COLUMN], the median of the runs' req/s
# (COLUMN 2: 2xx and 3xx answers only), of their p99 and of the workers'
# CPU per request where measured, then each run's req/s, so that a reader
# sees the spread behind the median
row() {
    local name=$1 key=$2 c=${3:-1} cpu=-
    [ -n "${results[cpu_$key]:-}" ] && cpu=$(median ${results[cpu_$key]})
    printf '%-34s %12s %10s %8s   %s\n' "$name" "$(median $(col "$c" ${results[$key]}))" \
        "$(med_p99 "$key")" "$cpu" "$(col "$c" ${results[$key]} | paste -sd' ')"
}
printf '\n%-34s %12s %10s %8s   %s\n' "figure" "req/s" "p99 ms" "us/req" "each run, req/s"
row "nginx_return_204" floor
row "  (one fixed request)" floor_fixed
row "empty_gif, no check" gif
row "  (auth_request to return 204)" ar_none
row "bearer_auth_request (1M tokens)" ar
row "  (metrics on)" ar_metrics
row "bearer_access_phase (1M tokens)" ap
row "  (metrics on)" ap_metrics
row "bearer_invalid (unknown tokens)" invalid
row "peer_introspection" peer_intro
row "token_redeem (200s only)" redeem 2
row "  (sync=nometa, 200s only)" redeem_nometa 2
printf '%-34s %12s %10s %8s\n' "  (in process, 16 per commit)" \
    "$(echo "$redeem_inproc" | sed -n 's/.* per_second \([0-9]*\).*/\1/p')" \
    "$(echo "$redeem_inproc" | sed -n 's/.*ms_per_commit \([0-9.]*\).*/\1/p')" -
row "peer_client_credentials" peer_cc 2
printf '%-34s %12s %10s %8s   %s\n' "login (sign-ins, argon2id)" "$(median ${results[login]})" - - \
    "$(echo ${results[login]})"
row "bearer during login storm" ar_storm
row "  (same load, no sign-ins)" ar_quiet
row "bearer probe (2 conns), storm" probe_storm
row "  (same probe, no sign-ins)" probe_quiet
row "return 204 probe (2 conns), storm" floor_probe_storm
row "  (same probe, no sign-ins)" floor_probe_quiet
printf '%-34s %12s %10s %8s   %s\n' "event loops' run-queue wait, us" "storm $(median ${results[loop_wait_storm]})" \
    "quiet $(median ${results[loop_wait_quiet]})" - "storm:${results[loop_wait_storm]}, quiet:${results[loop_wait_quiet]}"
[ "$login_bad" != 0 ] && echo "  (login: $login_bad non-2xx/3xx answers)"
printf '\n%-12s %10s %12s %14s %14s %12s %8s\n' "live tokens" "req/s" "check ns" "live bytes" "compact file" "worker RSS" "B/token"
for n in $scale; do
    rps=$(median $(col 1 ${results[scale_runs_$n]}))
    results[scale_rps_$n]=$rps
    live=${results[scale_live_$n]}
    printf '%-12s %10s %12s %14s %14s %9s KB %8s\n' "$n" "$rps" "${results[scale_inproc_$n]}" \
        "$live" "${results[scale_compact_$n]}" "${results[scale_rss_$n]}" "$((live / n))"
done
echo "(check ns: seam-bench-check, the bearer check in process, no nginx)"
echo "(metrics on: what the metrics-on nginx counted over its runs:"
grep -E '^seam_oauth_bearer_checks_total' "$work/metrics.txt" | sed 's/^/  /'
echo ")"
echo "(in process: seam-bench-redeem; its p99 column is the mean ms per commit)"

ratio() { awk -v a="$2" -v b="$3" -v n="$1" 'BEGIN { printf "ratio %s: %.3f\n", n, (b > 0 ? a / b : 0) }'; }
echo
ratio bearer_auth_request/nginx_return_204 "$ar" "$floor"
ratio bearer_access_phase/nginx_return_204 "$ap" "$floor"
ratio bearer_auth_request/nginx_return_204_fixed "$ar" "$(med_rps floor_fixed)"
ratio bearer_access_phase/empty_gif "$ap" "$(med_rps gif)"
ratio empty_gif/nginx_return_204 "$(med_rps gif)" "$floor"
ratio bearer_auth_request/auth_request_to_return_204 "$ar" "$(med_rps ar_none)"
ratio auth_request_to_return_204/nginx_return_204 "$(med_rps ar_none)" "$floor"
ratio bearer_invalid/bearer_auth_request "$inv" "$ar"
ratio bearer_auth_request_metrics_on/metrics_off "$(med_rps ar_metrics)" "$ar"
ratio bearer_access_phase_metrics_on/metrics_off "$(med_rps ap_metrics)" "$ap"
# the same ratios from the workers' CPU per request, inverted (CPU of the
# floor over CPU of the check) so that they read like the rate ratios:
# what those are where nginx's workers, not the neighbours, set the pace
cpu() { median ${results[cpu_$1]}; }
ratio bearer_auth_request/nginx_return_204_by_worker_cpu "$(cpu floor)" "$(cpu ar)"
ratio bearer_access_phase/nginx_return_204_by_worker_cpu "$(cpu floor)" "$(cpu ap)"
ratio bearer_access_phase/empty_gif_by_worker_cpu "$(cpu gif)" "$(cpu ap)"
ratio auth_request_to_return_204/nginx_return_204_by_worker_cpu "$(cpu floor)" "$(cpu ar_none)"
ratio bearer_invalid/bearer_auth_request_by_worker_cpu "$(cpu ar)" "$(cpu invalid)"
ratio bearer_auth_request_metrics_on/metrics_off_by_worker_cpu "$(cpu ar)" "$(cpu ar_metrics)"
ratio bearer_access_phase_metrics_on/metrics_off_by_worker_cpu "$(cpu ap)" "$(cpu ap_metrics)"
ratio bearer_auth_request/peer_introspection "$ar" "$intro"
ratio token_redeem/peer_client_credentials "$redeem" "$cc"
ratio token_redeem_nometa/peer_client_credentials "$(med_ok redeem_nometa)" "$cc"
ratio bearer_probe_p99_storm/return_204_probe_p99_storm "$(med_p99 probe_storm)" "$(med_p99 floor_probe_storm)"
set -- $scale
ratio "bearer_at_${!#}/bearer_at_$1" "${results[scale_rps_${!#}]}" "${results[scale_rps_$1]}"
