# The OAuth-relevant modules of the OpenID Foundation's conformance plan,
# each as a test named after its module (the OIDF suite itself cannot run
# here; these follow what each module checks).
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;
use MIME::Base64 qw(encode_base64);

plan tests => 28;

my $n = start_nginx(http_config => http_config(extra => <<'C'),
seam_oauth_client c4 secret=c4secret redirect=https://client4.example/cb?foo=bar
                  "scope=intercoms:read intercoms:unlock"
                  "default_scope=intercoms:read" consent=off;
C
    config => server_config(), workers => 2, users => ["$OWNER $PASSWORD"]);

my @c4 = (client_id => 'c4', response_type => 'code', redirect_uri => 'https://client4.example/cb?foo=bar');
my @c4auth = (redirect_uri => 'https://client4.example/cb?foo=bar', client_id => 'c4', client_secret => 'c4secret');

sub code_for { scalar obtain_code($n, params => [ @c4, @_ ]) }
sub redeem {
    my ($code, @extra) = @_;
    return exchange($n, $code, fields => [ grant_type => 'authorization_code', code => $code, @c4auth, @extra ]);
}
sub authorize { http($n, 'GET', '/authorize?' . form_encode(@_)) }

# oidcc-codereuse
my $code = code_for();
my $first = redeem($code);
is($first->{status}, 200, 'oidcc-codereuse: first use');
is(redeem($code)->{json}{error}, 'invalid_grant', 'oidcc-codereuse: second use is invalid_grant');

# oidcc-codereuse-30seconds (the delay shortened to 5 s): the reuse also
# revokes the access token issued from the code
$code = code_for();
my $tok = redeem($code)->{json}{access_token};
select(undef, undef, undef, 5);
is(redeem($code)->{status}, 400, 'oidcc-codereuse-30seconds: reuse after a delay is refused');
is(api_call($n, $tok)->{status}, 401, 'oidcc-codereuse-30seconds: the first access token is revoked (4xx)');

# oidcc-ensure-registered-redirect-uri
my $r = authorize(@c4[0 .. 3], redirect_uri => 'https://attacker.example/cb');
is($r->{status}, 400, 'oidcc-ensure-registered-redirect-uri: an error page');
ok(!defined $r->{header}->('location'), 'oidcc-ensure-registered-redirect-uri: no redirect');

# oidcc-ensure-redirect-uri-in-authorization-request
$r = authorize(client_id => 'c4', response_type => 'code');
is($r->{status}, 400, 'oidcc-ensure-redirect-uri-in-authorization-request: an error page');
ok(!defined $r->{header}->('location'), 'oidcc-ensure-redirect-uri-in-authorization-request: no redirect');

# oidcc-redirect-uri-query-OK / -added / -mismatch
my (undef, $q) = obtain_code($n, params => \@c4);
ok($q->{code} && $q->{foo} eq 'bar', 'oidcc-redirect-uri-query-OK: the registered query is kept');
$r = authorize(@c4[0 .. 3], redirect_uri => 'https://client4.example/cb?foo=bar&bar=foo');
is($r->{status}, 400, 'oidcc-redirect-uri-query-added: refused');
$r = authorize(@c4[0 .. 3], redirect_uri => 'https://client4.example/cb?foo=baz');
is($r->{status}, 400, 'oidcc-redirect-uri-query-mismatch: refused');

# oidcc-ensure-request-with-unknown-parameter-succeeds
is(redeem(code_for(extra => 'x', claims_locales => 'fr'))->{status}, 200,
   'oidcc-ensure-request-with-unknown-parameter-succeeds (authorization)');
is(redeem(code_for(), extra => 'y')->{status}, 200,
   'oidcc-ensure-request-with-unknown-parameter-succeeds (token)');

# oidcc-ensure-other-scope-order-succeeds
my $t = redeem(code_for(scope => 'intercoms:unlock intercoms:read'));
is($t->{status}, 200, 'oidcc-ensure-other-scope-order-succeeds');
is($t->{json}{scope}, 'intercoms:unlock intercoms:read', 'oidcc-ensure-other-scope-order-succeeds: scope returned');

# oidcc-server-client-secret-basic and client-secret-post
$code = code_for();
$r = http($n, 'POST', '/oauth/token', headers => [ 'Content-Type' => 'application/x-www-form-urlencoded',
    Authorization => 'Basic ' . encode_base64('c4:c4secret', '') ],
    body => form_encode(grant_type => 'authorization_code', code => $code,
                        redirect_uri => 'https://client4.example/cb?foo=bar'));
is($r->{status}, 200, 'oidcc-client-secret-basic');
is(redeem(code_for())->{status}, 200, 'oidcc-client-secret-post');

# oidcc-refresh-token
$t = redeem(code_for());
my $rt = $t->{json}{refresh_token};
my $ref = exchange($n, undef, fields => [ grant_type => 'refresh_token', refresh_token => $rt,
                                           client_id => 'c4', client_secret => 'c4secret' ]);
is($ref->{status}, 200, 'oidcc-refresh-token: refresh works');
ok($ref->{json}{access_token} && $ref->{json}{access_token} ne $t->{json}{access_token},
   'oidcc-refresh-token: a new access token');
is(exchange($n, undef, fields => [ grant_type => 'refresh_token', refresh_token => $rt,
                                   client_id => 'c1', client_secret => 'c1secret' ])->{json}{error},
   'invalid_grant', 'oidcc-refresh-token: another client cannot use it');

# PKCE (oidcc-ensure-pkce-*): S256 honoured whenever sent, plain refused
my $verifier = 'v' x 50;
my $challenge = do { require Digest::SHA; my $d = Digest::SHA::sha256_base64($verifier); $d =~ tr{+/}{-_}; $d };
$code = code_for(code_challenge => $challenge, code_challenge_method => 'S256');
is(redeem($code, code_verifier => 'w' x 50)->{json}{error}, 'invalid_grant', 'pkce: a wrong verifier is refused');
$code = code_for(code_challenge => $challenge, code_challenge_method => 'S256');
is(redeem($code, code_verifier => $verifier)->{status}, 200, 'pkce: the right verifier');
$r = authorize(@c4, code_challenge => $verifier, code_challenge_method => 'plain');
(undef, $q) = parse_location($r->{header}->('location'));
is($q->{error}, 'invalid_request', 'pkce: plain is refused');

# oidcc-response-type-missing
$r = authorize(client_id => 'c4', redirect_uri => 'https://client4.example/cb?foo=bar', state => 's');
(undef, $q) = parse_location($r->{header}->('location'));
is($q->{error}, 'invalid_request', 'oidcc-response-type-missing: invalid_request by redirect');
is($q->{state}, 's', 'oidcc-response-type-missing: with the state');

# state round trip, and none added when none was sent
(undef, $q) = obtain_code($n, params => [ @c4, state => 'x y&z' ]);
is($q->{state}, 'x y&z', 'state comes back unchanged');

$n->stop;
$n->assert_clean_log;
