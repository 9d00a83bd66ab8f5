#!/usr/bin/env bash
# make run / make stop: the demo on 127.0.0.1 from conf/, runtime files in
# run/ (git-ignored), or in $SEAM_OAUTH_DEMO_DIR (the README flow test's).
#   demo.sh start PORT EMAIL PASSWORD [store|device-cloud]
#   demo.sh stop
# device-cloud: the owners sign in with the accounts of a stand-in for the
# device cloud's login API (tools/device-cloud-login.py on PORT+2), by
# seam_oauth_login_check; store: with the store's own (EMAIL, PASSWORD).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
run=${SEAM_OAUTH_DEMO_DIR:-$top/run}
nginx=${NGINX_BIN:-/usr/sbin/nginx}
# the test harness's names, so that the README flow test can run the
# sanitizer builds too
module=${SEAM_OAUTH_MODULE:-$top/build/ngx_http_seam_oauth_module.so}
cli=${SEAM_OAUTH_CLI:-$top/build/seam-oauth}
python=/usr/bin/python3

# the stand-in device cloud's one account
cloud_account=alice@intercoms.example
cloud_password=device-cloud-pass
cloud_customer=cust-1001

stop_login_api() {
    if [ -f "$run/device-cloud.pid" ]; then
        pid=$(cat "$run/device-cloud.pid")
        # only the process this script started
        if tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null \
                | grep -q "device-cloud-login.py"; then
            kill "$pid"
            echo "stopped the device cloud's login API (pid $pid)"
        fi
        rm -f "$run/device-cloud.pid"
    fi
}

start_login_api() {
    local port=$1
    "$python" "$top/tools/device-cloud-login.py" "$port" "$cloud_account" \
        "$cloud_password" "$cloud_customer" \
        </dev/null >/dev/null 2>>"$run/device-cloud.log" &
    echo $! > "$run/device-cloud.pid"
    for _ in $(seq 1 50); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "demo.sh: the device cloud's login API did not start (see $run/device-cloud.log)" >&2
    exit 1
}

stop() {
    if [ -f "$run/nginx.pid" ]; then
        pid=$(cat "$run/nginx.pid")
        if kill -0 "$pid" 2>/dev/null; then
            kill -QUIT "$pid"
            for _ in $(seq 1 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            echo "stopped nginx (pid $pid)"
        fi
        rm -f "$run/nginx.pid"
    fi
    stop_login_api
}

case "${1:-}" in
start)
    port=${2:?port} email=${3:?email} password=${4:?password}
    login=${5:-store}
    case "$login" in
    store) login_check= ;;
    device-cloud) login_check="seam_oauth_login_check /_device_cloud/login;" ;;
    *) echo "demo.sh: LOGIN is store or device-cloud, not \"$login\"" >&2; exit 2 ;;
    esac
    stop
    mkdir -p "$run"
    mkdir -p -m 0700 "$run/store"
    [ -f "$run/seam.secret" ] || echo seamsecret > "$run/seam.secret"
    chmod 600 "$run/seam.secret"
    user_line=
    [ "$(id -u)" = 0 ] && user_line="user root;"
    sed -e "s|@MODULE@|$module|" \
        -e "s|@RUN@|$run|g" -e "s|@CONF@|$top/conf|g" \
        -e "s|@PORT@|$port|g" -e "s|@API_PORT@|$((port + 1))|g" \
        -e "s|@LOGIN_PORT@|$((port + 2))|g" \
        -e "s|@LOGIN_CHECK@|$login_check|" \
        -e "s|@USER@|$user_line|" \
        "$top/conf/nginx.conf" > "$run/nginx.conf"
    if [ "$login" = device-cloud ]; then
        start_login_api $((port + 2))
        account="  Account:       $cloud_account   (the device cloud's, by its login API on 127.0.0.1:$((port + 2)))
  Password:      $cloud_password
  Customer id:   $cloud_customer   (the token's user_id)"
    else
        if ! "$cli" --store "$run/store" user list | grep -q "^$email	"; then
            printf '%s\n' "$password" | "$cli" --store "$run/store" user add "$email"
        fi
        account="  Owner:         $email
  Password:      $password"
    fi
    if ! "$nginx" -p "$run" -c "$run/nginx.conf" -e "$run/error.log"; then
        stop_login_api
        exit 1
    fi
    redirect='https://demo.integrations.getseam.com/oauth/callback?session=demo'
    cat <<MSG

The OAuth server is running on 127.0.0.1:$port (logs in ${run#$top/}/).

  Sign in here:  http://127.0.0.1:$port/authorize?redirect_uri=$(printf %s "$redirect" | sed 's/:/%3A/g; s|/|%2F|g; s/?/%3F/g; s/=/%3D/g')&state=demo-state
$account

After signing in and choosing Allow, the browser is sent to Seam's
redirect_uri with ?code=...
(the page will not load: that host is Seam's). Copy the code, then:

  curl -s http://127.0.0.1:$port/oauth/token -d code=CODE -d client_id=seam -d client_secret=seamsecret
  curl -s http://127.0.0.1:$port/intercoms -H 'Authorization: Bearer ACCESS_TOKEN'

make stop stops it.
MSG
    ;;
stop)
    stop
    ;;
*)
    echo "usage: $0 start PORT EMAIL PASSWORD [store|device-cloud] | stop" >&2
    exit 2
    ;;
esac
