# POST /oauth/token: security.md rows 23-35 and 37, RFC 6749 §5. One
# request each in the data blocks (a block's --- init signs in for a fresh
# code first when it needs one); row 29's redemptions in a row, with the
# token each gives, in the script part.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

my $http_config = http_config(extra => 'seam_oauth_code_ttl 2s;');
$Test::Nginx::Seam::DEFAULT{http_config} = $http_config;
$Test::Nginx::Seam::DEFAULT{config} = server_config();
$Test::Nginx::Seam::DEFAULT{workers} = 2;
$Test::Nginx::Seam::DEFAULT{user} = "$OWNER $PASSWORD";

# /authorize parameters of the clients outside Seam's intercom guide, for
# obtain_code in --- init; c2's challenge is RFC 7636 appendix B's
our @C1 = (client_id => 'c1', response_type => 'code', redirect_uri => 'https://integrations.getseam.com/cb');
our @C2 = (client_id => 'c2', response_type => 'code', redirect_uri => 'https://client2.example/cb',
           code_challenge => 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method => 'S256');

my $n = start_nginx(http_config => $http_config, config => server_config(),
                    workers => 2, users => ["$OWNER $PASSWORD"]);

sub post_token {
    my (%o) = @_;
    my $r = http($n, 'POST', '/oauth/token',
        headers => [ 'Content-Type' => 'application/x-www-form-urlencoded' ], body => $o{body});
    $r->{json} = json($r->{body});
    return $r;
}

sub is_error {
    my ($r, $status, $error, $why) = @_;
    is($r->{status}, $status, "$why: $status");
    is($r->{json} && $r->{json}{error}, $error, "$why: $error");
    is($r->{header}->('cache-control'), 'no-store', "$why: no-store");
}

# row 29: the same code twice, sequentially
my $code = obtain_code($n);
my $first = post_token(body => form_encode(code => $code, client_id => 'seam', client_secret => 'seamsecret'));
is($first->{status}, 200, 'row 29: first redemption');
is(api_call($n, $first->{json}{access_token})->{status}, 200, 'row 29: its token works');
is_error(post_token(body => form_encode(code => $code, client_id => 'seam', client_secret => 'seamsecret')),
         400, 'invalid_grant', 'row 29: second redemption');
is(api_call($n, $first->{json}{access_token})->{status}, 401, 'row 29: the first token is revoked');
is_error(post_token(body => form_encode(code => $code, client_id => 'seam', client_secret => 'seamsecret')),
         400, 'invalid_grant', 'row 29: third redemption');

$n->stop;
$n->assert_clean_log;

run_tests();
done_testing();

__DATA__

=== TEST 1: row 23: GET: 405, Allow: POST, invalid_request
--- request
GET /oauth/token?code=x
--- error_code: 405
--- response_headers
Allow: POST
--- response_body_like: "error":"invalid_request"

=== TEST 2: row 25: no grant_type with a code: authorization_code; row 37: Cache-Control: no-store, Pragma: no-cache, JSON, token_type Bearer, expires_in; an access token of issue time and 256 random bits; user_id
--- init
$srv->set_var(CODE => scalar obtain_code($srv));
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
code=$TEST_NGINX_CODE&client_id=seam&client_secret=seamsecret
--- error_code: 200
--- response_headers
Cache-Control: no-store
Pragma: no-cache
--- response_headers_like
Content-Type: ^application/json
--- response_body_like: ^\{"access_token":"[A-Za-z0-9_-]{51}","expires_in":3600,.*"token_type":"Bearer","user_id":"u_[0-9a-f]{32}"\}$

=== TEST 3: row 24: a JSON object of strings is accepted, as Seam's guide shows
--- init
$srv->set_var(CODE => scalar obtain_code($srv));
--- more_headers
Content-Type: application/json; charset=utf-8
--- request chomp
POST /oauth/token
{"code":"$TEST_NGINX_CODE","client_id":"seam","client_secret":"seamsecret"}
--- error_code: 200

=== TEST 4: row 24: a JSON array: invalid_request
--- more_headers
Content-Type: application/json
--- request chomp
POST /oauth/token
["code"]
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_request"

=== TEST 5: row 24: a number value: invalid_request
--- more_headers
Content-Type: application/json
--- request chomp
POST /oauth/token
{"code":1,"client_id":"seam","client_secret":"seamsecret"}
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_request"

=== TEST 6: row 24: a JSON name twice: invalid_request
--- more_headers
Content-Type: application/json
--- request chomp
POST /oauth/token
{"code":"a","code":"b","client_id":"seam","client_secret":"seamsecret"}
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_request"

=== TEST 7: row 24: truncated JSON: invalid_request
--- more_headers
Content-Type: application/json
--- request chomp
POST /oauth/token
{"code":
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_request"

=== TEST 8: row 24: other content type: invalid_request
--- more_headers
Content-Type: text/plain
--- request chomp
POST /oauth/token
code=x
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_request"

=== TEST 9: row 25: grant_type=password: unsupported_grant_type
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
grant_type=password&username=owner%40example.com&password=correct%20horse%20battery&client_id=seam&client_secret=seamsecret
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"unsupported_grant_type"

=== TEST 10: row 25: grant_type=foo: unsupported_grant_type
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
grant_type=foo&code=x&client_id=seam&client_secret=seamsecret
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"unsupported_grant_type"

=== TEST 11: no grant_type and no code: invalid_request
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
client_id=seam&client_secret=seamsecret
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_request"

=== TEST 12: row 26: Basic with a wrong secret: 401 invalid_client, WWW-Authenticate: Basic
--- more_headers
Content-Type: application/x-www-form-urlencoded
# seam:wrong
Authorization: Basic c2VhbTp3cm9uZw==
--- request chomp
POST /oauth/token
grant_type=authorization_code&code=x
--- error_code: 401
--- response_headers
Cache-Control: no-store
WWW-Authenticate: Basic realm="seam-oauth"
--- response_body_like: "error":"invalid_client"

=== TEST 13: body secret wrong: 401 invalid_client; no Basic challenge when Basic was not used
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
code=x&client_id=seam&client_secret=wrong
--- error_code: 401
--- response_headers
Cache-Control: no-store
!WWW-Authenticate
--- response_body_like: "error":"invalid_client"

=== TEST 14: unknown client: 401 invalid_client
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
code=x&client_id=mallory&client_secret=seamsecret
--- error_code: 401
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_client"

=== TEST 15: no client_id: 401 invalid_client
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
code=x&client_secret=seamsecret
--- error_code: 401
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_client"

=== TEST 16: row 27: Basic and a body secret: invalid_request
--- more_headers
Content-Type: application/x-www-form-urlencoded
# seam:seamsecret
Authorization: Basic c2VhbTpzZWFtc2VjcmV0
--- request chomp
POST /oauth/token
code=x&client_secret=seamsecret
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_request"

=== TEST 17: row 28: malformed base64: 401 invalid_client
--- more_headers
Content-Type: application/x-www-form-urlencoded
Authorization: Basic !!!notbase64
--- request chomp
POST /oauth/token
code=x
--- error_code: 401
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_client"

=== TEST 18: row 28: no colon: 401 invalid_client
--- more_headers
Content-Type: application/x-www-form-urlencoded
# seamseamsecret
Authorization: Basic c2VhbXNlYW1zZWNyZXQ=
--- request chomp
POST /oauth/token
code=x
--- error_code: 401
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_client"

=== TEST 19: row 28: %-encoded colon in the id: 401 invalid_client
--- more_headers
Content-Type: application/x-www-form-urlencoded
# seam%3Aseamsecret:
Authorization: Basic c2VhbSUzQXNlYW1zZWNyZXQ6
--- request chomp
POST /oauth/token
code=x
--- error_code: 401
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_client"

=== TEST 20: row 28: 4 KB header: 401 invalid_client
--- more_headers eval
"Content-Type: application/x-www-form-urlencoded\nAuthorization: Basic " . ('A' x 4096)
--- request chomp
POST /oauth/token
code=x
--- error_code: 401
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_client"

=== TEST 21: client_secret_basic works (id and secret form-encoded first, RFC 6749 §2.3.1)
--- init
$srv->set_var(CODE => scalar obtain_code($srv));
--- more_headers
Content-Type: application/x-www-form-urlencoded
# seam:seamsecret
Authorization: Basic c2VhbTpzZWFtc2VjcmV0
--- request chomp
POST /oauth/token
code=$TEST_NGINX_CODE
--- error_code: 200

=== TEST 22: row 30: a code after expiry (TTL 2 s here): invalid_grant
--- init
$srv->set_var(CODE => scalar obtain_code($srv));
sleep 3.1;
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
code=$TEST_NGINX_CODE&client_id=seam&client_secret=seamsecret
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_grant"

=== TEST 23: row 31: a code of seam redeemed by c1: invalid_grant
--- init
$srv->set_var(CODE => scalar obtain_code($srv));
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
code=$TEST_NGINX_CODE&client_id=c1&client_secret=c1secret
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_grant"

=== TEST 24: row 32: redirect_uri absent, for a client outside Seam's guide: invalid_grant
--- init
$srv->set_var(CODE => scalar obtain_code($srv, params => \@C1));
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
grant_type=authorization_code&code=$TEST_NGINX_CODE&client_id=c1&client_secret=c1secret
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_grant"

=== TEST 25: row 32: redirect_uri different: invalid_grant
--- init
$srv->set_var(CODE => scalar obtain_code($srv, params => \@C1));
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
grant_type=authorization_code&code=$TEST_NGINX_CODE&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb%2F&client_id=c1&client_secret=c1secret
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_grant"

=== TEST 26: row 32: the same redirect_uri: 200
--- init
$srv->set_var(CODE => scalar obtain_code($srv, params => \@C1));
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
grant_type=authorization_code&code=$TEST_NGINX_CODE&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb&client_id=c1&client_secret=c1secret
--- error_code: 200

=== TEST 27: Seam's intercom guide sends no redirect_uri; a different one is still refused: invalid_grant
--- init
$srv->set_var(CODE => scalar obtain_code($srv));
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
code=$TEST_NGINX_CODE&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fother&client_id=seam&client_secret=seamsecret
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_grant"

=== TEST 28: row 33: PKCE, a wrong verifier: invalid_grant
--- init
$srv->set_var(CODE => scalar obtain_code($srv, params => \@C2));
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
"POST /oauth/token
grant_type=authorization_code&redirect_uri=https%3A%2F%2Fclient2.example%2Fcb&client_id=c2&client_secret=c2secret&code=\$TEST_NGINX_CODE&code_verifier=" . ('x' x 43)
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_grant"

=== TEST 29: row 33: PKCE, a missing verifier: invalid_grant
--- init
$srv->set_var(CODE => scalar obtain_code($srv, params => \@C2));
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
grant_type=authorization_code&redirect_uri=https%3A%2F%2Fclient2.example%2Fcb&client_id=c2&client_secret=c2secret&code=$TEST_NGINX_CODE
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_grant"

=== TEST 30: row 33: PKCE, the right verifier (RFC 7636 appendix B): 200
--- init
$srv->set_var(CODE => scalar obtain_code($srv, params => \@C2));
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
grant_type=authorization_code&redirect_uri=https%3A%2F%2Fclient2.example%2Fcb&client_id=c2&client_secret=c2secret&code=$TEST_NGINX_CODE&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk
--- error_code: 200

=== TEST 31: row 33: a verifier without a challenge (downgrade): invalid_grant
--- init
$srv->set_var(CODE => scalar obtain_code($srv, params => \@C1));
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
grant_type=authorization_code&code=$TEST_NGINX_CODE&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb&client_id=c1&client_secret=c1secret&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_grant"

=== TEST 32: row 34: code twice: invalid_request, and the description says which
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
code=a&code=b&client_id=seam&client_secret=seamsecret
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: ^\{"error":"invalid_request","error_description":"[^"]*code given more than once

=== TEST 33: row 35: a 1 MB body: 413
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
"POST /oauth/token\ncode=" . ('a' x (1024 * 1024))
--- error_code: 413

=== TEST 34: row 35: a 20 KB body: 413
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
"POST /oauth/token\ncode=" . ('a' x 20000)
--- error_code: 413

=== TEST 35: row 35: a chunked body is read
--- init
$srv->set_var(CODE => scalar obtain_code($srv));
--- more_headers
Content-Type: application/x-www-form-urlencoded
Transfer-Encoding: chunked
--- request eval
# one chunk of 0x60 = 96 bytes: a code is 51 characters
"POST /oauth/token\n60\r\ncode=\$TEST_NGINX_CODE&client_id=seam&client_secret=seamsecret\r\n0\r\n\r\n"
--- error_code: 200

=== TEST 36: row 35: a 24 KB chunked body without a length: 413
--- more_headers
Content-Type: application/x-www-form-urlencoded
Transfer-Encoding: chunked
--- request eval
"POST /oauth/token\n" . join('', map { sprintf("%x\r\n%s\r\n", 4000, 'a' x 4000) } 1 .. 6) . "0\r\n\r\n"
--- error_code: 413

=== TEST 37: bad percent-encoding: invalid_request
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
code=%zz&client_id=seam&client_secret=seamsecret
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_request"

=== TEST 38: a NUL byte: invalid_request
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
code=a%00b&client_id=seam&client_secret=seamsecret
--- error_code: 400
--- response_headers
Cache-Control: no-store
--- response_body_like: "error":"invalid_request"

=== TEST 39: a code is single-use whatever happened: after a failed PKCE check it cannot be retried
--- init
$srv->set_var(CODE => scalar obtain_code($srv, params => \@C2));
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- pipelined_requests eval
["POST /oauth/token
grant_type=authorization_code&redirect_uri=https%3A%2F%2Fclient2.example%2Fcb&client_id=c2&client_secret=c2secret&code=\$TEST_NGINX_CODE&code_verifier=" . ('y' x 43),
 "POST /oauth/token
grant_type=authorization_code&redirect_uri=https%3A%2F%2Fclient2.example%2Fcb&client_id=c2&client_secret=c2secret&code=\$TEST_NGINX_CODE&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"]
--- error_code eval
[400, 400]
--- response_headers eval
[undef, "Cache-Control: no-store"]
--- response_body_like eval
[undef, '"error":"invalid_grant"']

=== TEST 40: error strings are printable ASCII without '"' or '\' (RFC 6749 §5.2): no control characters in error bodies
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
# code="\x01\"\\"
POST /oauth/token
code=%01%22%5C&client_id=seam&client_secret=seamsecret
--- error_code: 400
--- response_body_unlike: [\x00-\x1f]
