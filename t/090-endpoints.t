# Revocation (RFC 7009), introspection (RFC 7662) and authorization server
# metadata (RFC 8414).
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;
use MIME::Base64 qw(encode_base64);

plan tests => 46;

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

# metadata
my $m = http($n, 'GET', '/.well-known/oauth-authorization-server');
is($m->{status}, 200, 'metadata: 200');
like($m->{header}->('content-type'), qr{^application/json}, 'metadata: JSON');
my $meta = json($m->{body});
is($meta->{issuer}, 'http://localhost', 'issuer');
is($meta->{authorization_endpoint}, 'http://localhost/authorize', 'authorization_endpoint');
is($meta->{token_endpoint}, 'http://localhost/oauth/token', 'token_endpoint');
is($meta->{revocation_endpoint}, 'http://localhost/oauth/revoke', 'revocation_endpoint');
is($meta->{introspection_endpoint}, 'http://localhost/oauth/introspect', 'introspection_endpoint');
is_deeply($meta->{code_challenge_methods_supported}, ['S256'], 'PKCE: S256 only');
is_deeply($meta->{response_types_supported}, ['code'], 'response_types_supported');
is_deeply($meta->{grant_types_supported}, ['authorization_code', 'refresh_token'], 'grant_types_supported');
is_deeply($meta->{token_endpoint_auth_methods_supported}, ['client_secret_basic', 'client_secret_post'],
          'token_endpoint_auth_methods_supported');
ok(grep({ $_ eq 'intercoms:unlock' } @{ $meta->{scopes_supported} }), 'scopes_supported from the clients');
is($meta->{authorization_response_iss_parameter_supported}, JSON::PP::true, 'iss is sent (RFC 9207)');
unlike($m->{body}, qr/password|implicit|"token"/, 'no password grant, no implicit flow');

# the issuer directive wins over the Host header
my $n2 = start_nginx(http_config => http_config(extra => 'seam_oauth_issuer https://devices.example.com;'),
                     config => server_config());
my $m2 = json(http($n2, 'GET', '/.well-known/oauth-authorization-server')->{body});
is($m2->{issuer}, 'https://devices.example.com', 'seam_oauth_issuer');
is($m2->{token_endpoint}, 'https://devices.example.com/oauth/token', 'endpoints under the issuer');
$n2->stop;
$n2->assert_clean_log;

# introspection
my $tok = exchange($n, scalar obtain_code($n, params => [ redirect_uri => $SEAM_REDIRECT, scope => 'intercoms:read' ]));
my ($at, $rt) = @{ $tok->{json} }{qw(access_token refresh_token)};
my $i = post('/oauth/introspect', token => $at, @seam);
is($i->{status}, 200, 'introspect: 200');
is($i->{json}{active}, JSON::PP::true, 'a live token is active');
is($i->{json}{client_id}, 'seam', 'client_id');
is($i->{json}{sub}, $tok->{json}{user_id}, 'sub is the user_id');
is($i->{json}{scope}, 'intercoms:read', 'scope');
cmp_ok($i->{json}{exp}, '>', time, 'exp in the future');
is($i->{json}{token_type}, 'Bearer', 'token_type');
is(post('/oauth/introspect', token => $rt, @seam)->{json}{token_type}, 'refresh_token',
   'a refresh token can be introspected');
is_deeply(post('/oauth/introspect', token => 'A' x 43, @seam)->{json}, { active => JSON::PP::false },
          'an unknown token: active false and nothing else');
is_deeply(post('/oauth/introspect', token => $at, client_id => 'c1', client_secret => 'c1secret')->{json},
          { active => JSON::PP::false }, "another client's token: active false");
is(post('/oauth/introspect', token => $at, client_id => 'rs', client_secret => 'rssecret')->{json}{active},
   JSON::PP::true, 'a resource server with "introspect" sees every token');
is(post('/oauth/introspect', token => $at)->{status}, 401, 'introspection needs client authentication');
my $basic = http($n, 'POST', '/oauth/introspect', headers => [ 'Content-Type' => 'application/x-www-form-urlencoded',
    Authorization => 'Basic ' . encode_base64('rs:wrong', '') ], body => "token=$at");
is($basic->{status}, 401, 'introspection: wrong Basic secret: 401');
is($basic->{header}->('www-authenticate'), 'Basic realm="seam-oauth"', 'with the Basic challenge');
is(http($n, 'GET', "/oauth/introspect?token=$at")->{status}, 405, 'introspection: GET is 405');
is(post('/oauth/introspect', @seam)->{json}{error}, 'invalid_request', 'introspection without a token');

# revocation
my $rv = post('/oauth/revoke', token => $at, @seam);
is($rv->{status}, 200, 'revoke an access token: 200');
is(api_call($n, $at)->{status}, 401, 'the revoked access token stops working');
is(post('/oauth/introspect', token => $at, @seam)->{json}{active}, JSON::PP::false, 'and is inactive');
is(post('/oauth/revoke', token => 'A' x 43, @seam)->{status}, 200, 'an unknown token: 200 (RFC 7009 §2.2)');

# revoking a refresh token ends its grant
my $t2 = exchange($n, scalar obtain_code($n));
my $other_client = post('/oauth/revoke', token => $t2->{json}{refresh_token}, client_id => 'c1', client_secret => 'c1secret');
is($other_client->{status}, 200, "another client's token: 200");
is(api_call($n, $t2->{json}{access_token})->{status}, 200, "but another client cannot revoke it");
is(post('/oauth/revoke', token => $t2->{json}{refresh_token}, token_type_hint => 'refresh_token', @seam)->{status},
   200, 'revoke a refresh token: 200');
is(api_call($n, $t2->{json}{access_token})->{status}, 401, 'its access tokens stop working');
is(exchange($n, undef, fields => [ grant_type => 'refresh_token', refresh_token => $t2->{json}{refresh_token}, @seam ])
   ->{json}{error}, 'invalid_grant', 'and it cannot refresh');
is(post('/oauth/revoke', token => $rt)->{status}, 401, 'revocation needs client authentication');

$n->stop;
$n->assert_clean_log;
