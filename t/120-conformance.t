# The OAuth-relevant modules of the OpenID Foundation's conformance plan,
# each as a test named after its module (the OIDF suite itself cannot run
# here; these follow what each module checks).
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;
use MIME::Base64 qw(encode_base64);

my $c4 = <<'C';
seam_oauth_client c4 secret=c4secret redirect=https://client4.example/cb?foo=bar
                  "scope=intercoms:read intercoms:unlock"
                  "default_scope=intercoms:read" consent=off;
C
my $n = start_nginx(http_config => http_config(extra => $c4),
    config => server_config(), workers => 2, users => ["$OWNER $PASSWORD"]);

my @c4 = (client_id => 'c4', response_type => 'code', redirect_uri => 'https://client4.example/cb?foo=bar');
my @c4auth = (redirect_uri => 'https://client4.example/cb?foo=bar', client_id => 'c4', client_secret => 'c4secret');

sub code_for { scalar obtain_code($n, params => [ @c4, @_ ]) }
sub redeem {
    my ($code, @extra) = @_;
    return exchange($n, $code, fields => [ grant_type => 'authorization_code', code => $code, @c4auth, @extra ]);
}
sub authorize { http($n, 'GET', '/authorize?' . form_encode(@_)) }

# oidcc-codereuse-30seconds (the delay shortened to 5 s): the reuse also
# revokes the access token issued from the code
my $code = code_for();
my $tok = redeem($code)->{json}{access_token};
select(undef, undef, undef, 5);
is(redeem($code)->{status}, 400, 'oidcc-codereuse-30seconds: reuse after a delay is refused');
is(api_call($n, $tok)->{status}, 401, 'oidcc-codereuse-30seconds: the first access token is revoked (4xx)');

# oidcc-redirect-uri-query-OK (-added and -mismatch are data blocks)
my (undef, $q) = obtain_code($n, params => \@c4);
ok($q->{code} && $q->{foo} eq 'bar', 'oidcc-redirect-uri-query-OK: the registered query is kept');

# oidcc-refresh-token
my $t = redeem(code_for());
my $rt = $t->{json}{refresh_token};
my $ref = exchange($n, undef, fields => [ grant_type => 'refresh_token', refresh_token => $rt,
                                           client_id => 'c4', client_secret => 'c4secret' ]);
is($ref->{status}, 200, 'oidcc-refresh-token: refresh works');
ok($ref->{json}{access_token} && $ref->{json}{access_token} ne $t->{json}{access_token},
   'oidcc-refresh-token: a new access token');
is(exchange($n, undef, fields => [ grant_type => 'refresh_token', refresh_token => $rt,
                                   client_id => 'c1', client_secret => 'c1secret' ])->{json}{error},
   'invalid_grant', 'oidcc-refresh-token: another client cannot use it');

# state round trip, and none added when none was sent
(undef, $q) = obtain_code($n, params => [ @c4, state => 'x y&z' ]);
is($q->{state}, 'x y&z', 'state comes back unchanged');

$n->stop;
$n->assert_clean_log;

# the single requests of the modules above, and those that need only a
# fresh code first (--- init), as data blocks
$Test::Nginx::Seam::DEFAULT{http_config} = http_config(extra => $c4);
$Test::Nginx::Seam::DEFAULT{config} = server_config();
$Test::Nginx::Seam::DEFAULT{workers} = 2;
$Test::Nginx::Seam::DEFAULT{user} = "$OWNER $PASSWORD";
our @C4 = @c4;
# for --- init: a fresh code of c4, with these extra /authorize parameters
sub c4_code { my ($srv, @extra) = @_; $srv->set_var(CODE => scalar obtain_code($srv, params => [ @C4, @extra ])) }
# PKCE: the verifier 'v' x 50 and its S256 challenge
our $CHALLENGE = 'CrlVwe1WSHWuTQYh3iczmx3aS-faRx6C92k9_hNxl4A';

run_tests();
done_testing();

__DATA__

=== TEST 1: oidcc-codereuse: first use; the second is invalid_grant
--- init
c4_code($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- pipelined_requests eval
[("POST /oauth/token\ngrant_type=authorization_code&code=\$TEST_NGINX_CODE&redirect_uri=https%3A%2F%2Fclient4.example%2Fcb%3Ffoo%3Dbar&client_id=c4&client_secret=c4secret") x 2]
--- error_code eval
[200, 400]
--- response_body_like eval
[undef, '"error":"invalid_grant"']

=== TEST 2: oidcc-ensure-registered-redirect-uri: an error page, no redirect
--- request
GET /authorize?client_id=c4&response_type=code&redirect_uri=https%3A%2F%2Fattacker.example%2Fcb
--- error_code: 400
--- response_headers
!Location

=== TEST 3: oidcc-ensure-redirect-uri-in-authorization-request: an error page, no redirect
--- request
GET /authorize?client_id=c4&response_type=code
--- error_code: 400
--- response_headers
!Location

=== TEST 4: oidcc-redirect-uri-query-added: refused
--- request
GET /authorize?client_id=c4&response_type=code&redirect_uri=https%3A%2F%2Fclient4.example%2Fcb%3Ffoo%3Dbar%26bar%3Dfoo
--- error_code: 400

=== TEST 5: oidcc-redirect-uri-query-mismatch: refused
--- request
GET /authorize?client_id=c4&response_type=code&redirect_uri=https%3A%2F%2Fclient4.example%2Fcb%3Ffoo%3Dbaz
--- error_code: 400

=== TEST 6: oidcc-ensure-request-with-unknown-parameter-succeeds (authorization)
--- init
c4_code($srv, extra => 'x', claims_locales => 'fr');
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
grant_type=authorization_code&code=$TEST_NGINX_CODE&redirect_uri=https%3A%2F%2Fclient4.example%2Fcb%3Ffoo%3Dbar&client_id=c4&client_secret=c4secret
--- error_code: 200

=== TEST 7: oidcc-ensure-request-with-unknown-parameter-succeeds (token)
--- init
c4_code($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
grant_type=authorization_code&code=$TEST_NGINX_CODE&redirect_uri=https%3A%2F%2Fclient4.example%2Fcb%3Ffoo%3Dbar&client_id=c4&client_secret=c4secret&extra=y
--- error_code: 200

=== TEST 8: oidcc-ensure-other-scope-order-succeeds: the scope returned as asked
--- init
c4_code($srv, scope => 'intercoms:unlock intercoms:read');
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
grant_type=authorization_code&code=$TEST_NGINX_CODE&redirect_uri=https%3A%2F%2Fclient4.example%2Fcb%3Ffoo%3Dbar&client_id=c4&client_secret=c4secret
--- error_code: 200
--- response_body_like: "scope":"intercoms:unlock intercoms:read"

=== TEST 9: oidcc-client-secret-basic
--- init
c4_code($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
# c4:c4secret
Authorization: Basic YzQ6YzRzZWNyZXQ=
--- request chomp
POST /oauth/token
grant_type=authorization_code&code=$TEST_NGINX_CODE&redirect_uri=https%3A%2F%2Fclient4.example%2Fcb%3Ffoo%3Dbar
--- error_code: 200

=== TEST 10: oidcc-client-secret-post
--- init
c4_code($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
grant_type=authorization_code&code=$TEST_NGINX_CODE&redirect_uri=https%3A%2F%2Fclient4.example%2Fcb%3Ffoo%3Dbar&client_id=c4&client_secret=c4secret
--- error_code: 200

=== TEST 11: PKCE (oidcc-ensure-pkce-*), S256 honoured whenever sent: a wrong verifier is refused
--- init
c4_code($srv, code_challenge => $CHALLENGE, code_challenge_method => 'S256');
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
"POST /oauth/token
grant_type=authorization_code&code=\$TEST_NGINX_CODE&redirect_uri=https%3A%2F%2Fclient4.example%2Fcb%3Ffoo%3Dbar&client_id=c4&client_secret=c4secret&code_verifier=" . ('w' x 50)
--- error_code: 400
--- response_body_like: "error":"invalid_grant"

=== TEST 12: PKCE: the right verifier
--- init
c4_code($srv, code_challenge => $CHALLENGE, code_challenge_method => 'S256');
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
"POST /oauth/token
grant_type=authorization_code&code=\$TEST_NGINX_CODE&redirect_uri=https%3A%2F%2Fclient4.example%2Fcb%3Ffoo%3Dbar&client_id=c4&client_secret=c4secret&code_verifier=" . ('v' x 50)
--- error_code: 200

=== TEST 13: PKCE: plain is refused
--- request eval
"GET /authorize?client_id=c4&response_type=code&redirect_uri=https%3A%2F%2Fclient4.example%2Fcb%3Ffoo%3Dbar&code_challenge=" . ('v' x 50) . "&code_challenge_method=plain"
--- error_code: 303
--- response_headers_like
Location: [?&]error=invalid_request&

=== TEST 14: oidcc-response-type-missing: invalid_request by redirect, with the state
--- request
GET /authorize?client_id=c4&redirect_uri=https%3A%2F%2Fclient4.example%2Fcb%3Ffoo%3Dbar&state=s
--- error_code: 303
--- response_headers_like
Location: [?&]error=invalid_request&.*&state=s(?:&|$)
