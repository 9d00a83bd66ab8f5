# The bearer check behind auth_request, with conf/'s includes: security.md
# rows 38-44 and RFC 6750 §3. The WWW-Authenticate challenge and the real
# status reach the client. A block that needs a live token gets one in its
# --- init (sign-in and code exchange).
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

our $PLAIN = <<'C';
# the check alone, without the error_page line of seam-oauth-protect.conf
location /plain {
    auth_request /_seam_oauth/check;
    auth_request_set $seam_user $seam_oauth_user_id;
    proxy_set_header X-Seam-User $seam_user;
    proxy_pass http://unix:$TEST_NGINX_SERVROOT/api.sock;
}
C
$Test::Nginx::Seam::DEFAULT{http_config} = http_config(extra => <<'H');
log_format sent '$uri $status "$sent_http_www_authenticate"';
H
$Test::Nginx::Seam::DEFAULT{config} = server_config() . $PLAIN;
$Test::Nginx::Seam::DEFAULT{workers} = 2;
$Test::Nginx::Seam::DEFAULT{user} = "$OWNER $PASSWORD";

# the live token altered at character $i
sub flip { my ($s, $i) = @_; my $c = substr($s, $i, 1); substr($s, $i, 1) = $c eq 'B' ? 'C' : 'B'; $s }

run_tests();

__DATA__

=== TEST 1: a live token reaches the API, with the owner id from the check
--- init
$srv->set_var(TOKEN => obtain_token($srv));
--- request
GET /intercoms/ic_1/unlock
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 200
--- response_body_like: device api: user=u_[0-9a-f]{32} path=/intercoms/ic_1/unlock

=== TEST 2: row 38: no Authorization: 401, one challenge, without error
--- request
GET /intercoms/ic_1/unlock
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="seam-oauth"

=== TEST 3: row 39: an unknown token: 401 invalid_token, with a JSON error body
--- request
GET /intercoms/ic_1/unlock
--- more_headers eval
"Authorization: Bearer " . ('A' x 43)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="seam-oauth", error="invalid_token"
--- response_body_like: "error":"invalid_token"

=== TEST 4: row 39: tokens are 51 characters
--- init
$srv->set_var(CODE => scalar obtain_code($srv));
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
code=$TEST_NGINX_CODE&client_id=seam&client_secret=seamsecret
--- error_code: 200
--- response_body_like: "access_token":"[^"]{51}"

=== TEST 5: row 39: the live token altered, and unknown tokens of its length: 401 each; the live token still works after them
--- init
my $t = obtain_token($srv);
$srv->set_var(TOKEN => $t, FIRST => flip($t, 0), EIGHTH => flip($t, 7), RANDOM => flip($t, 20),
              LAST => flip($t, 50), UNKNOWN => 'A' x 51, LIVE_TIME => substr($t, 0, 8) . ('A' x 43),
              DOT => '.' . substr($t, 1));
--- pipelined_requests eval
[("GET /intercoms/ic_1/unlock") x 8]
--- more_headers eval
["Authorization: Bearer \$TEST_NGINX_FIRST",      # its issue time altered (the first character, which also orders the store's keys)
 "Authorization: Bearer \$TEST_NGINX_EIGHTH",     # its issue time altered (the eighth character)
 "Authorization: Bearer \$TEST_NGINX_RANDOM",     # its random part altered
 "Authorization: Bearer \$TEST_NGINX_LAST",       # its last character altered
 "Authorization: Bearer \$TEST_NGINX_UNKNOWN",    # unknown, 51 characters
 "Authorization: Bearer \$TEST_NGINX_LIVE_TIME",  # unknown, with a live issue time
 "Authorization: Bearer \$TEST_NGINX_DOT",        # not base64url in the issue time
 "Authorization: Bearer \$TEST_NGINX_TOKEN"]      # the live token
--- error_code eval
[(401) x 7, 200]

=== TEST 6: row 40: a lower-case scheme: 200
--- init
$srv->set_var(TOKEN => obtain_token($srv));
--- request
GET /intercoms/ic_1/unlock
--- more_headers
Authorization: bearer $TEST_NGINX_TOKEN
--- error_code: 200

=== TEST 7: row 40: an upper-case scheme: 200
--- init
$srv->set_var(TOKEN => obtain_token($srv));
--- request
GET /intercoms/ic_1/unlock
--- more_headers
Authorization: BEARER $TEST_NGINX_TOKEN
--- error_code: 200

=== TEST 8: row 40: two spaces: 400 invalid_request
--- init
$srv->set_var(TOKEN => obtain_token($srv));
--- request
GET /intercoms/ic_1/unlock
--- more_headers
Authorization: Bearer  $TEST_NGINX_TOKEN
--- error_code: 400
--- response_headers
WWW-Authenticate: Bearer realm="seam-oauth", error="invalid_request"

=== TEST 9: row 40: a comma: 400 invalid_request
--- init
$srv->set_var(TOKEN => obtain_token($srv));
--- request
GET /intercoms/ic_1/unlock
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN,x
--- error_code: 400
--- response_headers
WWW-Authenticate: Bearer realm="seam-oauth", error="invalid_request"

=== TEST 10: row 40: a semicolon: 400 invalid_request
--- init
$srv->set_var(TOKEN => obtain_token($srv));
--- request
GET /intercoms/ic_1/unlock
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN;x
--- error_code: 400
--- response_headers
WWW-Authenticate: Bearer realm="seam-oauth", error="invalid_request"

=== TEST 11: row 40: non-ASCII: 400 invalid_request
--- init
$srv->set_var(TOKEN => obtain_token($srv));
--- request
GET /intercoms/ic_1/unlock
--- more_headers eval
"Authorization: Bearer \xc3\xa9\$TEST_NGINX_TOKEN"
--- error_code: 400
--- response_headers
WWW-Authenticate: Bearer realm="seam-oauth", error="invalid_request"

=== TEST 12: row 40: no token: 400 invalid_request
--- request
GET /intercoms/ic_1/unlock
--- more_headers
Authorization: Bearer
--- error_code: 400
--- response_headers
WWW-Authenticate: Bearer realm="seam-oauth", error="invalid_request"

=== TEST 13: row 40: two words: 400 invalid_request
--- init
$srv->set_var(TOKEN => obtain_token($srv));
--- request
GET /intercoms/ic_1/unlock
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN x
--- error_code: 400
--- response_headers
WWW-Authenticate: Bearer realm="seam-oauth", error="invalid_request"

=== TEST 14: row 40: padding first: 400 invalid_request
--- request
GET /intercoms/ic_1/unlock
--- more_headers
Authorization: Bearer =abc
--- error_code: 400
--- response_headers
WWW-Authenticate: Bearer realm="seam-oauth", error="invalid_request"

=== TEST 15: row 40: trailing whitespace is not part of the field value (RFC 7230 §3.2.4): 200
--- init
$srv->set_var(TOKEN => obtain_token($srv));
--- request
GET /intercoms/ic_1/unlock
--- more_headers eval
"Authorization: Bearer \$TEST_NGINX_TOKEN "
--- error_code: 200

=== TEST 16: row 41: two Authorization headers: 400
--- init
$srv->set_var(TOKEN => obtain_token($srv));
--- request
GET /intercoms/ic_1/unlock
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 400

=== TEST 17: row 41: the Basic scheme: 401, with the Bearer challenge
--- request
GET /intercoms/ic_1/unlock
--- more_headers
Authorization: Basic c2VhbTpzZWFtc2VjcmV0
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="seam-oauth"

=== TEST 18: row 42: a token in the query is not read: 401, challenge without error
--- init
$srv->set_var(TOKEN => obtain_token($srv));
--- request
GET /intercoms?access_token=$TEST_NGINX_TOKEN
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="seam-oauth"

=== TEST 19: row 44: a 64 KB header: 400 or 494 from nginx
--- request
GET /intercoms/ic_1/unlock
--- more_headers eval
"Authorization: Bearer " . ('A' x 65536)
--- error_code_like: ^(?:400|494)$

=== TEST 20: auth_request alone (no error_page line): the 401 and its challenge are passed on
--- request
GET /plain
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="seam-oauth"

=== TEST 21: auth_request alone: a malformed header is a 401 carrying error="invalid_request"
--- request
GET /plain
--- more_headers
Authorization: Bearer a b
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="seam-oauth", error="invalid_request"

=== TEST 22: auth_request alone: a live token
--- init
$srv->set_var(TOKEN => obtain_token($srv));
--- request
GET /plain
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 200

=== TEST 23: the check location cannot be called from outside
--- init
$srv->set_var(TOKEN => obtain_token($srv));
--- request
GET /_seam_oauth/check
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 404

=== TEST 24: a token is looked up by its hash: a prefix of a token: 401
--- init
$srv->set_var(TOKEN => substr(obtain_token($srv), 0, 42));
--- request
GET /intercoms/ic_1/unlock
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 401

=== TEST 25: a token is looked up by its hash: a token with an extra character: 401
--- init
$srv->set_var(TOKEN => obtain_token($srv) . 'A');
--- request
GET /intercoms/ic_1/unlock
--- more_headers
Authorization: Bearer $TEST_NGINX_TOKEN
--- error_code: 401

=== TEST 26: the log phase reads the denied answer's headers after its handler is done: the access log sees the denial's WWW-Authenticate
--- config eval
# the access log into error.log, where --- error_log reads it
server_config() . $PLAIN . 'access_log $TEST_NGINX_SERVROOT/logs/error.log sent;'
--- request
GET /intercoms/ic_1/unlock
--- more_headers eval
"Authorization: Bearer " . ('A' x 43)
--- error_code: 401
--- error_log eval
qr{^/intercoms/ic_1/unlock 401 "Bearer realm=\\x22seam-oauth\\x22, error=\\x22invalid_token\\x22"$}m

=== TEST 27: and those of a 400
--- config eval
server_config() . $PLAIN . 'access_log $TEST_NGINX_SERVROOT/logs/error.log sent;'
--- request
GET /intercoms/ic_1/unlock
--- more_headers
Authorization: Bearer =abc
--- error_code: 400
--- error_log eval
qr{^/intercoms/ic_1/unlock 400 "Bearer realm=\\x22seam-oauth\\x22, error=\\x22invalid_request\\x22"$}m
