# GET /authorize: the login page, its headers, and the errors that go back
# to a validated redirect_uri (security.md rows 13, 15-18, 21).
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

$Test::Nginx::Seam::DEFAULT{http_config} = http_config();
$Test::Nginx::Seam::DEFAULT{config} = server_config();

run_tests();

__DATA__

=== TEST 1: Seam's intercom guide: only redirect_uri; a self-contained login page, no referrer to other sites (item 8: same-origin, so the form's POST carries its true Origin)
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Fcb%3Fsession%3D1
--- error_code: 200
--- response_headers
X-Frame-Options: DENY
Referrer-Policy: same-origin
Cache-Control: no-store
Content-Type: text/html; charset=utf-8
!Location
--- response_headers_like
Content-Security-Policy: ^default-src 'none';.*frame-ancestors 'none'
Set-Cookie: ^seam_oauth_csrf=[A-Za-z0-9_-]{22}; Path=/authorize; Max-Age=900; HttpOnly; SameSite=Strict$
--- response_body_like eval
qr{<form method="post" action="/authorize">.*name="redirect_uri" value="https://connect.integrations.getseam.com/cb\?session=1".*name="csrf_token" value="\d+\.[A-Za-z0-9_-]{43}"}s
--- response_body_unlike eval
qr{<script|https?://(?!connect\.integrations)|<link|\@import}i
--- no_error_log
[error]

=== TEST 2: row 17: state and client values are HTML-escaped in the page
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb&state=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E%0D%0ASet-Cookie%3Ax%3D1
--- error_code: 200
--- response_body_like eval
qr{name="state" value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;/script&gt;\r\nSet-Cookie:x=1"}
--- response_body_unlike eval
qr{"><script>}
--- response_headers
!x

=== TEST 3: row 17: a state over the 4 KB value limit is refused on our page (8 KB: nginx's 414, TEST 18)
--- request eval
"GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb&state=" . ("a" x 5000)
--- error_code: 400
--- response_headers
!Location
--- response_body_like: too long

=== TEST 4: row 13: unknown client_id; items 8 and 27: the error page is not framable and sends no referrer to other sites
--- request
GET /authorize?client_id=mallory&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb
--- error_code: 400
--- response_headers
!Location
X-Frame-Options: DENY
Referrer-Policy: same-origin
Cache-Control: no-store
--- response_headers_like
Content-Security-Policy: frame-ancestors 'none'
--- response_body_like: not registered

=== TEST 5: row 13: client_id with a NUL byte
--- request
GET /authorize?client_id=c1%00&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb
--- error_code: 400
--- response_headers
!Location
--- response_body_like: NUL

=== TEST 6: row 13: a 5 KB client_id (a 10 KB one is nginx's 414, as in TEST 18)
--- request eval
"GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb&client_id=" . ("c" x 5000)
--- error_code: 400
--- response_headers
!Location

=== TEST 7: row 13: missing client_id when no client follows Seam's intercom guide
--- http_config
seam_oauth_store $TEST_NGINX_STORE;
seam_oauth_client c1 secret=c1secret redirect=https://integrations.getseam.com/cb;
--- config
location = /authorize { seam_oauth_authorize; }
--- request
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb
--- error_code: 400
--- response_headers
!Location
--- response_body_like: client_id is missing

=== TEST 8: row 15: response_type=token goes back as unsupported_response_type with the state
--- request
GET /authorize?client_id=c1&response_type=token&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb&state=s%201
--- error_code: 303
--- response_headers_like
Location: ^https://integrations\.getseam\.com/cb\?error=unsupported_response_type&error_description=[^&]+&state=s%201&iss=http%3A%2F%2Flocalhost$
Referrer-Policy: no-referrer

=== TEST 9: row 15: no response_type from a client that does not follow the intercom guide
--- request
GET /authorize?client_id=c1&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb&state=s
--- error_code: 303
--- response_headers_like
Location: ^https://integrations\.getseam\.com/cb\?error=invalid_request&.*state=s&iss=http%3A%2F%2Flocalhost$

=== TEST 10: row 16: code_challenge_method=plain is refused
--- request
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb&code_challenge=E9cMPkMC8Y5YAZyCOwv6ONtO3HJYP3ofhQQGMSjUyMI&code_challenge_method=plain
--- error_code: 303
--- response_headers_like
Location: error=invalid_request&error_description=code_challenge_method%20must%20be%20S256

=== TEST 11: row 16: a 42-character challenge
--- request
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb&code_challenge=E9cMPkMC8Y5YAZyCOwv6ONtO3HJYP3ofhQQGMSjUyM&code_challenge_method=S256
--- error_code: 303
--- response_headers_like
Location: error=invalid_request

=== TEST 12: row 16: a challenge with characters outside base64url
--- request
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb&code_challenge=E9cMPkMC8Y5YAZyCOwv6ONtO3HJYP3ofhQQGMSjU%2BMI&code_challenge_method=S256
--- error_code: 303
--- response_headers_like
Location: error=invalid_request

=== TEST 13: row 16: no challenge from a client that must use PKCE
--- request
GET /authorize?client_id=c2&response_type=code&redirect_uri=https%3A%2F%2Fclient2.example%2Fcb
--- error_code: 303
--- response_headers_like
Location: ^https://client2\.example/cb\?error=invalid_request

=== TEST 14: an S256 challenge is accepted and kept in the form
--- request
GET /authorize?client_id=c2&response_type=code&redirect_uri=https%3A%2F%2Fclient2.example%2Fcb&code_challenge=E9cMPkMC8Y5YAZyCOwv6ONtO3HJYP3ofhQQGMSjUyMI&code_challenge_method=S256
--- error_code: 200
--- response_body_like: name="code_challenge" value="E9cMPkMC8Y5YAZyCOwv6ONtO3HJYP3ofhQQGMSjUyMI"

=== TEST 15: a scope the client may not ask for: invalid_scope by redirect
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb&scope=intercoms%3Aread%20admin&state=q
--- error_code: 303
--- response_headers_like
Location: ^https://x\.integrations\.getseam\.com/cb\?error=invalid_scope&.*&state=q&iss=http%3A%2F%2Flocalhost$

=== TEST 16: allowed scopes in another order are fine
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb&scope=intercoms%3Aunlock%20intercoms%3Aread
--- error_code: 200
--- response_body_like: name="scope" value="intercoms:unlock intercoms:read"

=== TEST 17: unknown parameters are ignored
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb&foo=bar&nonce=1
--- error_code: 200

=== TEST 18: row 18: a request line over large_client_header_buffers
--- request eval
"GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb&state=" . ("a" x 20000)
--- error_code: 414

=== TEST 19: other methods are not allowed
--- request
PUT /authorize
--- error_code: 405
--- response_headers
Allow: GET, POST

=== TEST 20: item 9: no CORS on the authorization endpoint
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb
--- more_headers
Origin: https://evil.example
--- error_code: 200
--- response_headers
!Access-Control-Allow-Origin
