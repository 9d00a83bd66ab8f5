# Revocation (RFC 7009), introspection (RFC 7662) and authorization server
# metadata (RFC 8414). Data blocks, whose --- init signs in and redeems a
# code when a token is needed; the live token's introspection, which
# compares exp with the clock, is the script.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

$Test::Nginx::Seam::DEFAULT{http_config} = http_config();
$Test::Nginx::Seam::DEFAULT{config} = server_config();
$Test::Nginx::Seam::DEFAULT{user} = "$OWNER $PASSWORD";

# for --- init: AT and RT, the tokens of a fresh grant (obtain_code's options)
sub grant_vars {
    my ($srv, @o) = @_;
    my $t = exchange($srv, scalar obtain_code($srv, @o));
    die "exchange failed: $t->{status} $t->{body}" unless $t->{status} == 200;
    $srv->set_var(AT => $t->{json}{access_token}, RT => $t->{json}{refresh_token});
}
our @READ = (params => [ redirect_uri => $SEAM_REDIRECT, scope => 'intercoms:read' ]);

my $n = start_nginx(http_config => http_config(), config => server_config(),
                    users => ["$OWNER $PASSWORD"]);

sub post {
    my ($path, @fields) = @_;
    my $r = http($n, 'POST', $path, headers => [ 'Content-Type' => 'application/x-www-form-urlencoded' ],
                 body => form_encode(@fields));
    $r->{json} = json($r->{body});
    return $r;
}
my @seam = (client_id => 'seam', client_secret => 'seamsecret');

# introspection
my $tok = exchange($n, scalar obtain_code($n, @READ));
my ($at, $rt) = @{ $tok->{json} }{qw(access_token refresh_token)};
my $i = post('/oauth/introspect', token => $at, @seam);
is($i->{status}, 200, 'introspect: 200');
is($i->{json}{active}, JSON::PP::true, 'a live token is active');
is($i->{json}{client_id}, 'seam', 'client_id');
is($i->{json}{sub}, $tok->{json}{user_id}, 'sub is the user_id');
is($i->{json}{scope}, 'intercoms:read', 'scope');
cmp_ok($i->{json}{exp}, '>', time, 'exp in the future');
is($i->{json}{token_type}, 'Bearer', 'token_type');

$n->stop;
$n->assert_clean_log;

run_tests();
done_testing();

__DATA__

=== TEST 1: metadata: JSON with issuer, the endpoints, PKCE S256 only, response_types, grant_types, token_endpoint_auth_methods, scopes_supported from the clients, iss sent (RFC 9207); no password grant, no implicit flow
--- request
GET /.well-known/oauth-authorization-server
--- error_code: 200
--- response_headers_like
Content-Type: ^application/json
--- response_body_like eval
qr!^(?=.*"issuer":"http://localhost"[,}])
    (?=.*"authorization_endpoint":"http://localhost/authorize"[,}])
    (?=.*"token_endpoint":"http://localhost/oauth/token"[,}])
    (?=.*"revocation_endpoint":"http://localhost/oauth/revoke"[,}])
    (?=.*"introspection_endpoint":"http://localhost/oauth/introspect"[,}])
    (?=.*"code_challenge_methods_supported":\["S256"\])
    (?=.*"response_types_supported":\["code"\])
    (?=.*"grant_types_supported":\["authorization_code","refresh_token"\])
    (?=.*"token_endpoint_auth_methods_supported":\["client_secret_basic","client_secret_post"\])
    (?=.*"scopes_supported":\[[^\]]*"intercoms:unlock")
    (?=.*"authorization_response_iss_parameter_supported":true[,}])!sx
--- response_body_unlike: password|implicit|"token"

=== TEST 2: the issuer directive wins over the Host header: seam_oauth_issuer, the endpoints under it
--- http_config eval
http_config(extra => 'seam_oauth_issuer https://devices.example.com;')
--- user
--- request
GET /.well-known/oauth-authorization-server
--- error_code: 200
--- response_body_like eval
qr!^(?=.*"issuer":"https://devices\.example\.com"[,}])
    (?=.*"token_endpoint":"https://devices\.example\.com/oauth/token"[,}])!sx

=== TEST 3: a refresh token can be introspected
--- init
grant_vars($srv, @READ);
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/introspect
token=$TEST_NGINX_RT&client_id=seam&client_secret=seamsecret
--- error_code: 200
--- response_body_like: "token_type":"refresh_token"

=== TEST 4: an unknown token: active false and nothing else
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
"POST /oauth/introspect\ntoken=" . ('A' x 43) . "&client_id=seam&client_secret=seamsecret"
--- error_code: 200
--- response_body: {"active":false}

=== TEST 5: another client's token: active false
--- init
grant_vars($srv, @READ);
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/introspect
token=$TEST_NGINX_AT&client_id=c1&client_secret=c1secret
--- error_code: 200
--- response_body: {"active":false}

=== TEST 6: a resource server with "introspect" sees every token
--- init
grant_vars($srv, @READ);
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/introspect
token=$TEST_NGINX_AT&client_id=rs&client_secret=rssecret
--- error_code: 200
--- response_body_like: "active":true

=== TEST 7: introspection needs client authentication
--- init
grant_vars($srv, @READ);
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/introspect
token=$TEST_NGINX_AT
--- error_code: 401

=== TEST 8: introspection: a wrong Basic secret: 401 with the Basic challenge
--- init
grant_vars($srv, @READ);
--- more_headers
Content-Type: application/x-www-form-urlencoded
# rs:wrong
Authorization: Basic cnM6d3Jvbmc=
--- request chomp
POST /oauth/introspect
token=$TEST_NGINX_AT
--- error_code: 401
--- response_headers
WWW-Authenticate: Basic realm="seam-oauth"

=== TEST 9: introspection: GET is 405
--- init
grant_vars($srv, @READ);
--- request
GET /oauth/introspect?token=$TEST_NGINX_AT
--- error_code: 405

=== TEST 10: introspection without a token: invalid_request
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/introspect
client_id=seam&client_secret=seamsecret
--- error_code: 400
--- response_body_like: "error":"invalid_request"

=== TEST 11: revoke an access token: 200; it stops working at once and is inactive
--- init
grant_vars($srv, @READ);
--- pipelined_requests eval
["POST /oauth/revoke\ntoken=\$TEST_NGINX_AT&client_id=seam&client_secret=seamsecret",
 "GET /intercoms",
 "POST /oauth/introspect\ntoken=\$TEST_NGINX_AT&client_id=seam&client_secret=seamsecret"]
--- more_headers eval
["Content-Type: application/x-www-form-urlencoded",
 "Authorization: Bearer \$TEST_NGINX_AT",
 "Content-Type: application/x-www-form-urlencoded"]
--- error_code eval
[200, 401, 200]
--- response_body_like eval
[undef, undef, '"active":false']

=== TEST 12: revoke an unknown token: 200 (RFC 7009 §2.2)
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
"POST /oauth/revoke\ntoken=" . ('A' x 43) . "&client_id=seam&client_secret=seamsecret"
--- error_code: 200

=== TEST 13: revoking a refresh token ends its grant: another client's attempt answers 200 but revokes nothing; its own client's: its access tokens stop working and it cannot refresh
--- init
grant_vars($srv);
--- pipelined_requests eval
["POST /oauth/revoke\ntoken=\$TEST_NGINX_RT&client_id=c1&client_secret=c1secret",
 "GET /intercoms",
 "POST /oauth/revoke\ntoken=\$TEST_NGINX_RT&token_type_hint=refresh_token&client_id=seam&client_secret=seamsecret",
 "GET /intercoms",
 "POST /oauth/token\ngrant_type=refresh_token&refresh_token=\$TEST_NGINX_RT&client_id=seam&client_secret=seamsecret"]
--- more_headers eval
["Content-Type: application/x-www-form-urlencoded",
 "Authorization: Bearer \$TEST_NGINX_AT",
 "Content-Type: application/x-www-form-urlencoded",
 "Authorization: Bearer \$TEST_NGINX_AT",
 "Content-Type: application/x-www-form-urlencoded"]
--- error_code eval
[200, 200, 200, 401, 400]
--- response_body_like eval
[undef, undef, undef, undef, '"error":"invalid_grant"']

=== TEST 14: revocation needs client authentication
--- init
grant_vars($srv, @READ);
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/revoke
token=$TEST_NGINX_RT
--- error_code: 401
