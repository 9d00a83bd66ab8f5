# GET /authorize: the client and the redirect_uri are checked before anything
# is shown, and a bad one gets our 400 page, never a redirect (RFC 6749
# §4.1.2.1). Every hostile row 1-14 of security.md, against an exact
# registered URI (client c1) and against Seam's host pattern (client seam:
# no client_id, as Seam's guide sends). Each request's comment line shows
# the redirect_uri before percent-encoding.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

$Test::Nginx::Seam::DEFAULT{http_config} = http_config();
$Test::Nginx::Seam::DEFAULT{config} = server_config();

run_tests();

__DATA__

=== TEST 1: row 1: foreign host: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://evil.example/cb
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 2: row 2: suffix match: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://evil-integrations.getseam.com/cb
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fevil-integrations.getseam.com%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 3: row 3: prefix match: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://integrations.getseam.com.evil.example/cb
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com.evil.example%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 4: row 4: userinfo: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://integrations.getseam.com@evil.example/cb
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%40evil.example%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 5: row 5: backslash before @: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://evil.example\@integrations.getseam.com/cb
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fevil.example%5C%40integrations.getseam.com%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 6: row 5: backslash in host: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://integrations.getseam.com\.evil.example/cb
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%5C.evil.example%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 7: row 6: dot segments: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://integrations.getseam.com/cb/../../evil
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb%2F..%2F..%2Fevil&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 8: row 6: longer path: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://integrations.getseam.com/cb/extra
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb%2Fextra&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 9: row 6: trailing slash: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://integrations.getseam.com/cb/
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb%2F&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 10: row 6: added query: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://integrations.getseam.com/cb?x=1
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb%3Fx%3D1&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 11: row 7: host case: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://INTEGRATIONS.getseam.com/cb
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2FINTEGRATIONS.getseam.com%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 12: row 7: path case: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://integrations.getseam.com/CB
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2FCB&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 13: row 8: %2F: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://integrations.getseam.com%2Fcb
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%252Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 14: row 8: %40: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://integrations.getseam.com%40evil.example/cb
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2540evil.example%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 15: row 8: %2e%2e: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://integrations.getseam.com/%2e%2e/cb
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2F%252e%252e%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 16: row 8: double encoding: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://integrations.getseam.com/cb%252F
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb%25252F&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 17: row 8: %2F@: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://integrations.getseam.com%2F@evil.example
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%252F%40evil.example&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 18: row 9: fragment: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://integrations.getseam.com/cb#x
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb%23x&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 19: row 10: Cyrillic e: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://integrations.getse<U+0435>am.com/cb
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getse%D0%B5am.com%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 20: row 10: xn-- form: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=https://xn--integrations-9ib.getseam.com/cb
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fxn--integrations-9ib.getseam.com%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 21: row 11: plain http: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=http://integrations.getseam.com/cb
GET /authorize?client_id=c1&response_type=code&redirect_uri=http%3A%2F%2Fintegrations.getseam.com%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 22: row 11: javascript:: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=javascript:alert(1)
GET /authorize?client_id=c1&response_type=code&redirect_uri=javascript%3Aalert%281%29&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 23: row 11: data:: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=data:text/html,<script>alert(1)</script>
GET /authorize?client_id=c1&response_type=code&redirect_uri=data%3Atext%2Fhtml%2C%3Cscript%3Ealert%281%29%3C%2Fscript%3E&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 24: row 11: scheme-relative: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=//evil.example
GET /authorize?client_id=c1&response_type=code&redirect_uri=%2F%2Fevil.example&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 25: row 14: loopback with a query: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=http://127.0.0.1:5555/cb?other=1
GET /authorize?client_id=c1&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A5555%2Fcb%3Fother%3D1&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 26: row 14: other loopback address: our 400 page, no redirect
--- request
# client_id=c1 redirect_uri=http://127.0.0.2:5555/cb
GET /authorize?client_id=c1&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.2%3A5555%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 27: pattern: foreign host: our 400 page, no redirect
--- request
# redirect_uri=https://evil.example/cb
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 28: pattern: no label boundary: our 400 page, no redirect
--- request
# redirect_uri=https://evil-integrations.getseam.com/cb
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fevil-integrations.getseam.com%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 29: pattern: no label before the suffix: our 400 page, no redirect
--- request
# redirect_uri=https://integrations.getseam.com/cb
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 30: pattern: prefix match: our 400 page, no redirect
--- request
# redirect_uri=https://x.integrations.getseam.com.evil.example/cb
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com.evil.example%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 31: pattern: userinfo: our 400 page, no redirect
--- request
# redirect_uri=https://x.integrations.getseam.com@evil.example/cb
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%40evil.example%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 32: pattern: userinfo before host: our 400 page, no redirect
--- request
# redirect_uri=https://evil.example@x.integrations.getseam.com/cb
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fevil.example%40x.integrations.getseam.com%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 33: pattern: backslash: our 400 page, no redirect
--- request
# redirect_uri=https://evil.example\@x.integrations.getseam.com/cb
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fevil.example%5C%40x.integrations.getseam.com%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 34: pattern: backslash in host: our 400 page, no redirect
--- request
# redirect_uri=https://x.integrations.getseam.com\.evil.example/cb
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%5C.evil.example%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 35: pattern: upper-case host: our 400 page, no redirect
--- request
# redirect_uri=https://X.integrations.getseam.com/cb
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2FX.integrations.getseam.com%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 36: pattern: encoded dot in host: our 400 page, no redirect
--- request
# redirect_uri=https://x%2eintegrations.getseam.com/cb
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fx%252eintegrations.getseam.com%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 37: pattern: %2F@: our 400 page, no redirect
--- request
# redirect_uri=https://x.integrations.getseam.com%2F@evil.example/
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%252F%40evil.example%2F&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 38: pattern: dot segments: our 400 page, no redirect
--- request
# redirect_uri=https://x.integrations.getseam.com/cb/../../evil
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb%2F..%2F..%2Fevil&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 39: pattern: encoded dot segment: our 400 page, no redirect
--- request
# redirect_uri=https://x.integrations.getseam.com/%2e%2e/evil
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2F%252e%252e%2Fevil&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 40: pattern: encoded slash: our 400 page, no redirect
--- request
# redirect_uri=https://x.integrations.getseam.com/cb%2F..%2Fevil
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb%252F..%252Fevil&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 41: pattern: fragment: our 400 page, no redirect
--- request
# redirect_uri=https://x.integrations.getseam.com/cb#frag
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb%23frag&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 42: pattern: Cyrillic e: our 400 page, no redirect
--- request
# redirect_uri=https://x.integrations.getse<U+0435>am.com/cb
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fx.integrations.getse%D0%B5am.com%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 43: pattern: plain http: our 400 page, no redirect
--- request
# redirect_uri=http://x.integrations.getseam.com/cb
GET /authorize?response_type=code&redirect_uri=http%3A%2F%2Fx.integrations.getseam.com%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 44: pattern: port: our 400 page, no redirect
--- request
# redirect_uri=https://x.integrations.getseam.com:8443/cb
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%3A8443%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 45: pattern: explicit default port: our 400 page, no redirect
--- request
# redirect_uri=https://x.integrations.getseam.com:443/cb
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%3A443%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 46: pattern: label starting with -: our 400 page, no redirect
--- request
# redirect_uri=https://-x.integrations.getseam.com/cb
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2F-x.integrations.getseam.com%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 47: pattern: empty label: our 400 page, no redirect
--- request
# redirect_uri=https://x..integrations.getseam.com/cb
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fx..integrations.getseam.com%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 48: pattern: IP literal: our 400 page, no redirect
--- request
# redirect_uri=https://[::1]/cb
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2F%5B%3A%3A1%5D%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 49: pattern: javascript scheme: our 400 page, no redirect
--- request
# redirect_uri=javascript://x.integrations.getseam.com/%0aalert(1)
GET /authorize?response_type=code&redirect_uri=javascript%3A%2F%2Fx.integrations.getseam.com%2F%250aalert%281%29&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 50: pattern: scheme-relative: our 400 page, no redirect
--- request
# redirect_uri=//x.integrations.getseam.com/cb
GET /authorize?response_type=code&redirect_uri=%2F%2Fx.integrations.getseam.com%2Fcb&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 51: pattern: space: our 400 page, no redirect
--- request
# redirect_uri=https://x.integrations.getseam.com/c b
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fc%20b&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 52: pattern: CRLF: our 400 page, no redirect
--- request
# redirect_uri=https://x.integrations.getseam.com/cb\r\nSet-Cookie: a=1
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb%0D%0ASet-Cookie%3A%20a%3D1&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 53: pattern: empty redirect_uri: our 400 page, no redirect
--- request
# redirect_uri=(empty)
GET /authorize?response_type=code&redirect_uri=&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: redirect_uri

=== TEST 54: exact URI: the login page
--- request
# client_id=c1 redirect_uri=https://integrations.getseam.com/cb
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb&state=s
--- error_code: 200
--- response_body_like: <form method="post"

=== TEST 55: loopback as registered: the login page
--- request
# client_id=c1 redirect_uri=http://127.0.0.1/cb
GET /authorize?client_id=c1&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&state=s
--- error_code: 200
--- response_body_like: <form method="post"

=== TEST 56: row 14: loopback, other port: the login page
--- request
# client_id=c1 redirect_uri=http://127.0.0.1:5555/cb
GET /authorize?client_id=c1&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A5555%2Fcb&state=s
--- error_code: 200
--- response_body_like: <form method="post"

=== TEST 57: pattern: one label: the login page
--- request
# redirect_uri=https://x.integrations.getseam.com/cb
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb&state=s
--- error_code: 200
--- response_body_like: <form method="post"

=== TEST 58: pattern: two labels, query: the login page
--- request
# redirect_uri=https://a.b-c.integrations.getseam.com/any/path?session=1&x=%20
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fa.b-c.integrations.getseam.com%2Fany%2Fpath%3Fsession%3D1%26x%3D%2520&state=s
--- error_code: 200
--- response_body_like: <form method="post"

=== TEST 59: pattern: no path: the login page
--- request
# redirect_uri=https://x.integrations.getseam.com
GET /authorize?response_type=code&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com&state=s
--- error_code: 200
--- response_body_like: <form method="post"

=== TEST 60: row 12: redirect_uri twice, the registered one first: 400, no redirect
--- request
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb&redirect_uri=https%3A%2F%2Fevil.example%2Fcb
--- error_code: 400
--- response_headers
!Location

=== TEST 61: row 12: redirect_uri twice, the evil one first: 400, no redirect
--- request
GET /authorize?client_id=c1&response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&redirect_uri=https%3A%2F%2Fintegrations.getseam.com%2Fcb
--- error_code: 400
--- response_headers
!Location

=== TEST 62: validated redirect_uri: errors go back by redirect; Location: & after the existing query, values percent-encoded, iss (RFC 9207)
--- request
# redirect_uri=https://x.integrations.getseam.com/cb?session=1 state=a&b=c
GET /authorize?response_type=token&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb%3Fsession%3D1&state=a%26b%3Dc
--- error_code: 303
--- response_headers
Location: https://x.integrations.getseam.com/cb?session=1&error=unsupported_response_type&error_description=only%20response_type%3Dcode%20is%20supported&state=a%26b%3Dc&iss=http%3A%2F%2Flocalhost

=== TEST 63: a pattern's redirect_uri that already carries code: our 400 page, no redirect (parameter pollution, RFC 9700 §4.1)
--- request
# redirect_uri=https://x.integrations.getseam.com/cb?code=attacker
GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb%3Fcode%3Dattacker&state=s
--- error_code: 400
--- response_headers
!Location
--- response_body_like: already carries a parameter of the response

=== TEST 64: ... carries state, after another parameter
--- request
# redirect_uri=https://x.integrations.getseam.com/cb?session=1&state=attacker
GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb%3Fsession%3D1%26state%3Dattacker&state=s
--- error_code: 400
--- response_headers
!Location

=== TEST 65: ... carries error, iss, error_description, error_uri: each refused
--- pipelined_requests eval
[map { "GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb%3F$_%3Dx&state=s" }
     qw(error iss error_description error_uri)]
--- error_code: 400
--- response_headers
!Location

=== TEST 66: ... carries code percent-encoded in its name (%63ode, as a parser decodes it)
--- request
# redirect_uri=https://x.integrations.getseam.com/cb?%63ode=attacker
GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb%3F%2563ode%3Dattacker&state=s
--- error_code: 400
--- response_headers
!Location

=== TEST 67: a parameter that only looks alike is fine (codes=, my_state=)
--- request
# redirect_uri=https://x.integrations.getseam.com/cb?codes=1&my_state=2
GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb%3Fcodes%3D1%26my_state%3D2&state=s
--- error_code: 200
--- response_body_like: <form method="post"

=== TEST 68: an exact redirect registered with state in its query: nginx refuses to start
--- http_config
seam_oauth_store $TEST_NGINX_STORE;
seam_oauth_client c9 secret=x redirect=https://app.example/cb?state=fixed;
--- config
location = /authorize { seam_oauth_authorize; }
--- must_die
--- error_log
must not carry the authorization response's parameters (code, state, error, iss) in its query
