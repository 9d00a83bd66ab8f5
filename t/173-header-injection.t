# Hostile bytes in everything that reaches a header (security.md row 17):
# the handlers in prefix and regex locations, where the request's path is
# not the location's name, a path with CR, LF or ';' (decoded from
# %0d%0a, %3b) never ends a Set-Cookie or adds an attribute to it, and a
# scope taken from the path never reaches WWW-Authenticate.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

$Test::Nginx::Seam::DEFAULT{http_config} = http_config();
$Test::Nginx::Seam::DEFAULT{config} = server_config() . <<'C';
location /login/ { seam_oauth_authorize; }
location ~ ^/re/ { seam_oauth_authorize; }
location /scoped/ {
    # a scope from the decoded path: an operator's mistake, not an attack
    seam_oauth_require_scope $uri;
    seam_oauth_bearer on;
    proxy_pass http://unix:$TEST_NGINX_SERVROOT/api.sock;
}
C

run_tests();

__DATA__

=== TEST 1: CR LF in a prefix location's path: one Set-Cookie, its Path the location's
--- raw_request eval
"GET /login/x%0d%0aSet-Cookie:%20injected=1?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
--- error_code: 200
--- response_headers
!injected
--- response_headers_like
Set-Cookie: ^seam_oauth_csrf=[A-Za-z0-9_-]{22}; Path=/login/; Max-Age=900; HttpOnly; SameSite=Strict$

=== TEST 2: ';' in the path: no attribute added (Domain=evil.example)
--- raw_request eval
"GET /login/x;%20Domain=evil.example?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
--- error_code: 200
--- response_headers_like
Set-Cookie: ^seam_oauth_csrf=[A-Za-z0-9_-]{22}; Path=/login/; Max-Age=900; HttpOnly; SameSite=Strict$

=== TEST 3: %3b and a space in the path: the location's name
--- raw_request eval
"GET /login/a%3bDomain=evil.example%20b?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
--- error_code: 200
--- response_headers_like
Set-Cookie: ^seam_oauth_csrf=[A-Za-z0-9_-]{22}; Path=/login/; Max-Age=900; HttpOnly; SameSite=Strict$

=== TEST 4: a plain path under the prefix is its own cookie path
--- request
GET /login/seam?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb
--- error_code: 200
--- response_headers_like
Set-Cookie: ^seam_oauth_csrf=[A-Za-z0-9_-]{22}; Path=/login/seam; Max-Age=900;

=== TEST 5: a regex location, whose name is no path: the root
--- raw_request eval
"GET /re/x%0d%0aX-Evil:%201?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
--- error_code: 200
--- response_headers
!X-Evil
--- response_headers_like
Set-Cookie: ^seam_oauth_csrf=[A-Za-z0-9_-]{22}; Path=/; Max-Age=900; HttpOnly; SameSite=Strict$

=== TEST 6: a required scope with CR LF from the path never reaches WWW-Authenticate
--- user
owner@example.com correct horse battery
--- init
$srv->set_var(TOKEN => obtain_token($srv));
--- request
GET /scoped/a%0d%0aX-Evil:%201
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 403
--- response_headers
!X-Evil
WWW-Authenticate: Bearer realm="seam-oauth", error="insufficient_scope"

=== TEST 7: a required scope that is a scope is named (the same location)
--- user
owner@example.com correct horse battery
--- init
$srv->set_var(TOKEN => obtain_token($srv));
--- request
GET /scoped/x
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 403
--- response_headers
WWW-Authenticate: Bearer realm="seam-oauth", error="insufficient_scope", scope="/scoped/x"

=== TEST 8: the state's CR LF stays percent-encoded in the Location (row 17)
--- request
GET /login/?client_id=c1&response_type=token&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb&state=a%0d%0aSet-Cookie:%20x=1
--- error_code: 303
--- response_headers
!x
--- response_headers_like
Location: ^https://integrations\.getseam\.com/cb\?error=unsupported_response_type&error_description=[^&]+&state=a%0D%0ASet-Cookie%3A%20x%3D1&iss=http%3A%2F%2Flocalhost$
