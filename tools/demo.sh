#!/usr/bin/env bash
# make run / make stop: the demo on 127.0.0.1 from conf/, runtime files in
# run/ (git-ignored), or in $SEAM_OAUTH_DEMO_DIR (the README flow test's).
#   demo.sh start PORT EMAIL PASSWORD
#   demo.sh stop
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
run=${SEAM_OAUTH_DEMO_DIR:-$top/run}
nginx=${NGINX_BIN:-/usr/sbin/nginx}
# the test harness's names, so that the README flow test can run the
# sanitizer builds too
module=${SEAM_OAUTH_MODULE:-$top/build/ngx_http_seam_oauth_module.so}
cli=${SEAM_OAUTH_CLI:-$top/build/seam-oauth}

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
}

case "${1:-}" in
start)
    port=${2:?port} email=${3:?email} password=${4:?password}
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
        -e "s|@USER@|$user_line|" \
        "$top/conf/nginx.conf" > "$run/nginx.conf"
    if ! "$cli" --store "$run/store" user list | grep -q "^$email	"; then
        printf '%s\n' "$password" | "$cli" --store "$run/store" user add "$email"
    fi
    "$nginx" -p "$run" -c "$run/nginx.conf" -e "$run/error.log"
    redirect='https://demo.integrations.getseam.com/oauth/callback?session=demo'
    cat <<MSG

The OAuth server is running on 127.0.0.1:$port (logs in ${run#$top/}/).

  Sign in here:  http://127.0.0.1:$port/authorize?redirect_uri=$(printf %s "$redirect" | sed 's/:/%3A/g; s|/|%2F|g; s/?/%3F/g; s/=/%3D/g')&state=demo-state
  Owner:         $email
  Password:      $password

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
    echo "usage: $0 start PORT EMAIL PASSWORD | stop" >&2
    exit 2
    ;;
esac
