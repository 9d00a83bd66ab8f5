# Seam's intercom API behind scoped bearer checks, with conf/'s includes:
# each route needs its scope; a token without it gets 403
# insufficient_scope naming the scope (RFC 6750 §3.1, security.md row 43).
# Also the access-phase check (seam_oauth_bearer on). One data block per
# case; a block's --- init gets a token of the scopes it needs.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

my $http = <<'C';
seam_oauth_store $TEST_NGINX_STORE;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ consent=off
    "scope=intercoms:read intercoms:unlock access_codes:read access_codes:write"
    "default_scope=intercoms:read intercoms:unlock access_codes:read access_codes:write"
    intercom_guide;
include $TEST_NGINX_REPO/conf/seam-intercom-scopes.conf;
upstream device_api { server unix:$TEST_NGINX_SERVROOT/api.sock; }
server {
    listen unix:$TEST_NGINX_SERVROOT/api.sock;
    location / { return 200 "device api: $request_method $uri user=$http_x_seam_user\n"; }
}
C
my $server = <<'C';
location = /authorize   { seam_oauth_authorize; }
location = /oauth/token { seam_oauth_token; }
include $TEST_NGINX_REPO/conf/seam-intercom-api.conf;
include $TEST_NGINX_REPO/conf/seam-oauth-check.conf;

location /direct/ {
    seam_oauth_bearer on;
    seam_oauth_require_scope intercoms:unlock;
    proxy_set_header X-Seam-User $seam_oauth_user_id;
    proxy_pass http://device_api;
}
C
$Test::Nginx::Seam::DEFAULT{http_config} = $http;
$Test::Nginx::Seam::DEFAULT{config} = $server;
$Test::Nginx::Seam::DEFAULT{workers} = 2;
$Test::Nginx::Seam::DEFAULT{user} = "$OWNER $PASSWORD";

# for --- init: a token of these scopes
sub token_for {
    my ($srv, $scope) = @_;
    return obtain_token($srv, params => [ redirect_uri => $SEAM_REDIRECT, scope => $scope ]);
}
our $ALL = 'intercoms:read intercoms:unlock access_codes:read access_codes:write';

run_tests();

__DATA__

=== TEST 1: Seam's intercom guide names no scope: the client's default_scope is granted (RFC 6749 §3.3), the token response carries it
--- init
$srv->set_var(CODE => scalar obtain_code($srv, params => [ redirect_uri => $SEAM_REDIRECT ]));
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
code=$TEST_NGINX_CODE&client_id=seam&client_secret=seamsecret
--- error_code: 200
--- response_body_like: "scope":"intercoms:read intercoms:unlock access_codes:read access_codes:write"

=== TEST 2: no scope asked: every route of the API answers 200 (GET /intercoms, POST /intercoms/ic_1/unlock, GET /access_codes, DELETE /access_codes/ac_1)
--- init
$srv->set_var(TOKEN => obtain_token($srv, params => [ redirect_uri => $SEAM_REDIRECT ]));
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- pipelined_requests eval
["GET /intercoms", "POST /intercoms/ic_1/unlock", "GET /access_codes", "DELETE /access_codes/ac_1"]
--- error_code eval
[200, 200, 200, 200]

=== TEST 3: GET /intercoms with intercoms:read reaches the API with the owner
--- init
$srv->set_var(TOKEN => token_for($srv, 'intercoms:read'));
--- request
GET /intercoms
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 200
--- response_body_like: device api: GET /intercoms user=u_

=== TEST 4: under the base path too
--- init
$srv->set_var(TOKEN => token_for($srv, 'intercoms:read'));
--- request
GET /api/intercoms
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 200

=== TEST 5: row 43: unlock without intercoms:unlock: 403 insufficient_scope naming the scope, JSON error
--- init
$srv->set_var(TOKEN => token_for($srv, 'intercoms:read'));
--- request
POST /intercoms/ic_1/unlock
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 403
--- response_headers
WWW-Authenticate: Bearer realm="seam-oauth", error="insufficient_scope", scope="intercoms:unlock"
--- response_body_like: "error":"insufficient_scope"

=== TEST 6: unlock with intercoms:unlock reaches the API
--- init
$srv->set_var(TOKEN => token_for($srv, $ALL));
--- request
POST /api/intercoms/ic_1/unlock
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 200
--- response_body_like: POST /api/intercoms/ic_1/unlock

=== TEST 7: unlock is POST only: another method gets 405 with Allow, never a bearer challenge
--- init
$srv->set_var(TOKEN => token_for($srv, $ALL));
--- request
GET /intercoms/ic_1/unlock
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 405
--- response_headers
Allow: POST
!WWW-Authenticate

=== TEST 8: access codes without their scope: 403; GET needs access_codes:read
--- init
$srv->set_var(TOKEN => token_for($srv, 'intercoms:read'));
--- request
GET /access_codes
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 403
--- response_headers_like
WWW-Authenticate: scope="access_codes:read"

=== TEST 9: DELETE with only access_codes:read: 403; DELETE needs access_codes:write
--- init
$srv->set_var(TOKEN => token_for($srv, 'access_codes:read'));
--- request
DELETE /access_codes/ac_1
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 403
--- response_headers_like
WWW-Authenticate: scope="access_codes:write"

=== TEST 10: GET /access_codes/{id}
--- init
$srv->set_var(TOKEN => token_for($srv, $ALL));
--- request
GET /access_codes/ac_1
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 200

=== TEST 11: DELETE /access_codes/{id}
--- init
$srv->set_var(TOKEN => token_for($srv, $ALL));
--- request
DELETE /access_codes/ac_1
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 200

=== TEST 12: no token: 401, the challenge
--- request
GET /intercoms
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="seam-oauth"

=== TEST 13: unknown token: 401
--- request
GET /intercoms
--- more_headers eval
"Authorization: Bearer " . ('A' x 43)
--- error_code: 401

=== TEST 14: malformed: 400 through the denied location
--- request
GET /intercoms
--- more_headers
Authorization: Bearer a b
--- error_code: 400

=== TEST 15: other paths under the API: 404
--- init
$srv->set_var(TOKEN => token_for($srv, $ALL));
--- request
GET /intercoms/other/path
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 404

=== TEST 16: the check in the access phase: a token with the scope; $seam_oauth_user_id in the main request
--- init
$srv->set_var(TOKEN => token_for($srv, $ALL));
--- request
GET /direct/x
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 200
--- response_body_like: user=u_[0-9a-f]{32}

=== TEST 17: access phase: without the scope: 403, the challenge, the JSON error of the denied location
--- init
$srv->set_var(TOKEN => token_for($srv, 'intercoms:read'));
--- request
GET /direct/x
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 403
--- response_headers
WWW-Authenticate: Bearer realm="seam-oauth", error="insufficient_scope", scope="intercoms:unlock"
Content-Type: application/json
Cache-Control: no-store
--- response_body chomp
{"error":"insufficient_scope"}

=== TEST 18: access phase: malformed: 400
--- request
GET /direct/x
--- more_headers
Authorization: Bearer a b
--- error_code: 400

=== TEST 19: GET /intercoms is GET only: POST with a valid token gets 405 with Allow, never a bearer challenge
--- init
$srv->set_var(TOKEN => token_for($srv, $ALL));
--- request
POST /intercoms
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 405
--- response_headers
Allow: GET, HEAD
!WWW-Authenticate

=== TEST 20: access phase: no token: 401, the challenge and the JSON error
--- request
GET /direct/x
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="seam-oauth"
Content-Type: application/json
--- response_body chomp
{"error":"unauthorized"}

=== TEST 21: a 403 of nginx's own (deny) behind the denied location, with a good token: 403 forbidden, no challenge
--- config
location = /authorize   { seam_oauth_authorize; }
location = /oauth/token { seam_oauth_token; }
include $TEST_NGINX_REPO/conf/seam-oauth-check.conf;
location /closed/ {
    include $TEST_NGINX_REPO/conf/seam-oauth-protect.conf;
    deny all;
    proxy_pass http://device_api;
}
--- init
$srv->set_var(TOKEN => token_for($srv, $ALL));
--- request
GET /closed/x
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 403
--- response_headers
!WWW-Authenticate
--- response_body chomp
{"error":"forbidden"}
