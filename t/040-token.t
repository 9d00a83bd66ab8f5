# POST /oauth/token: security.md rows 23-35 and 37, RFC 6749 §5.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;
use MIME::Base64 qw(encode_base64);

plan tests => 121;

my $n = start_nginx(http_config => http_config(extra => 'seam_oauth_code_ttl 2s;'),
                    config => server_config(), workers => 2, users => ["$OWNER $PASSWORD"]);

sub post_token {
    my (%o) = @_;
    my $r = http($n, 'POST', '/oauth/token',
        headers => [ 'Content-Type' => $o{type} // 'application/x-www-form-urlencoded',
                     @{ $o{headers} || [] } ],
        body => $o{body});
    $r->{json} = json($r->{body});
    return $r;
}

sub is_error {
    my ($r, $status, $error, $why) = @_;
    is($r->{status}, $status, "$why: $status");
    is($r->{json} && $r->{json}{error}, $error, "$why: $error");
    is($r->{header}->('cache-control'), 'no-store', "$why: no-store");
}

sub basic { 'Basic ' . encode_base64(join(':', @_), '') }

# row 23: GET
my $get = http($n, 'GET', '/oauth/token?code=x');
is($get->{status}, 405, 'row 23: GET: 405');
is($get->{header}->('allow'), 'POST', 'row 23: Allow: POST');
is(json($get->{body})->{error}, 'invalid_request', 'row 23: invalid_request');

# row 37 and Seam's intercom guide: form body, no grant_type
my $code = obtain_code($n);
my $ok = post_token(body => form_encode(code => $code, client_id => 'seam', client_secret => 'seamsecret'));
is($ok->{status}, 200, 'row 25: no grant_type with a code: authorization_code');
is($ok->{header}->('cache-control'), 'no-store', 'row 37: Cache-Control: no-store');
is($ok->{header}->('pragma'), 'no-cache', 'row 37: Pragma: no-cache');
like($ok->{header}->('content-type'), qr{^application/json}, 'row 37: JSON');
is($ok->{json}{token_type}, 'Bearer', 'row 37: token_type Bearer');
is($ok->{json}{expires_in}, 3600, 'row 37: expires_in');
like($ok->{json}{access_token}, qr/^[A-Za-z0-9_-]{51}$/, 'an access token: issue time and 256 random bits');
like($ok->{json}{user_id}, qr/^u_[0-9a-f]{32}$/, 'user_id');

# row 24: JSON bodies, as Seam's guide shows
$code = obtain_code($n);
my $js = post_token(type => 'application/json; charset=utf-8',
    body => qq({"code":"$code","client_id":"seam","client_secret":"seamsecret"}));
is($js->{status}, 200, 'row 24: a JSON object of strings is accepted');
is_error(post_token(type => 'application/json', body => '["code"]'), 400, 'invalid_request', 'row 24: JSON array');
is_error(post_token(type => 'application/json', body => '{"code":1,"client_id":"seam","client_secret":"seamsecret"}'),
         400, 'invalid_request', 'row 24: a number value');
is_error(post_token(type => 'application/json', body => '{"code":"a","code":"b","client_id":"seam","client_secret":"seamsecret"}'),
         400, 'invalid_request', 'row 24: a JSON name twice');
is_error(post_token(type => 'application/json', body => '{"code":'), 400, 'invalid_request', 'row 24: truncated JSON');
is_error(post_token(type => 'text/plain', body => 'code=x'), 400, 'invalid_request', 'row 24: other content type');

# row 25: grant types
is_error(post_token(body => form_encode(grant_type => 'password', username => $OWNER, password => $PASSWORD,
                                        client_id => 'seam', client_secret => 'seamsecret')),
         400, 'unsupported_grant_type', 'row 25: grant_type=password');
is_error(post_token(body => form_encode(grant_type => 'foo', code => 'x', client_id => 'seam', client_secret => 'seamsecret')),
         400, 'unsupported_grant_type', 'row 25: grant_type=foo');
is_error(post_token(body => form_encode(client_id => 'seam', client_secret => 'seamsecret')),
         400, 'invalid_request', 'no grant_type and no code');

# row 26-28: client authentication
my $r = post_token(body => form_encode(grant_type => 'authorization_code', code => 'x'),
                   headers => [ Authorization => basic('seam', 'wrong') ]);
is_error($r, 401, 'invalid_client', 'row 26: Basic with a wrong secret');
is($r->{header}->('www-authenticate'), 'Basic realm="seam-oauth"', 'row 26: WWW-Authenticate: Basic');
$r = post_token(body => form_encode(code => 'x', client_id => 'seam', client_secret => 'wrong'));
is_error($r, 401, 'invalid_client', 'body secret wrong');
ok(!defined $r->{header}->('www-authenticate'), 'no Basic challenge when Basic was not used');
is_error(post_token(body => form_encode(code => 'x', client_id => 'mallory', client_secret => 'seamsecret')),
         401, 'invalid_client', 'unknown client');
is_error(post_token(body => form_encode(code => 'x', client_secret => 'seamsecret')),
         401, 'invalid_client', 'no client_id');
is_error(post_token(body => form_encode(code => 'x', client_secret => 'seamsecret'),
                    headers => [ Authorization => basic('seam', 'seamsecret') ]),
         400, 'invalid_request', 'row 27: Basic and a body secret');
is_error(post_token(body => 'code=x', headers => [ Authorization => 'Basic !!!notbase64' ]),
         401, 'invalid_client', 'row 28: malformed base64');
is_error(post_token(body => 'code=x', headers => [ Authorization => 'Basic ' . encode_base64('seamseamsecret', '') ]),
         401, 'invalid_client', 'row 28: no colon');
is_error(post_token(body => 'code=x', headers => [ Authorization => 'Basic ' . encode_base64('seam%3Aseamsecret:', '') ]),
         401, 'invalid_client', 'row 28: %-encoded colon in the id');
is_error(post_token(body => 'code=x', headers => [ Authorization => 'Basic ' . ('A' x 4096) ]),
         401, 'invalid_client', 'row 28: 4 KB header');
# Basic works (id and secret form-encoded first, RFC 6749 §2.3.1)
$code = obtain_code($n);
is(post_token(body => form_encode(code => $code), headers => [ Authorization => basic('seam', 'seamsecret') ])->{status},
   200, 'client_secret_basic works');

# row 29: the same code twice, sequentially
$code = obtain_code($n);
my $first = post_token(body => form_encode(code => $code, client_id => 'seam', client_secret => 'seamsecret'));
is($first->{status}, 200, 'row 29: first redemption');
is(api_call($n, $first->{json}{access_token})->{status}, 200, 'row 29: its token works');
is_error(post_token(body => form_encode(code => $code, client_id => 'seam', client_secret => 'seamsecret')),
         400, 'invalid_grant', 'row 29: second redemption');
is(api_call($n, $first->{json}{access_token})->{status}, 401, 'row 29: the first token is revoked');
is_error(post_token(body => form_encode(code => $code, client_id => 'seam', client_secret => 'seamsecret')),
         400, 'invalid_grant', 'row 29: third redemption');

# row 30: expired code (TTL 2 s here)
$code = obtain_code($n);
select(undef, undef, undef, 3.1);
is_error(post_token(body => form_encode(code => $code, client_id => 'seam', client_secret => 'seamsecret')),
         400, 'invalid_grant', 'row 30: code after expiry');

# row 31: code of seam redeemed by c1
$code = obtain_code($n);
is_error(post_token(body => form_encode(code => $code, client_id => 'c1', client_secret => 'c1secret')),
         400, 'invalid_grant', 'row 31: code of another client');

# row 32: redirect_uri absent or different, for a client outside Seam's guide
my $c1 = [ client_id => 'c1', response_type => 'code', redirect_uri => 'https://integrations.getseam.com/cb' ];
$code = obtain_code($n, params => $c1);
is_error(post_token(body => form_encode(grant_type => 'authorization_code', code => $code,
                                        client_id => 'c1', client_secret => 'c1secret')),
         400, 'invalid_grant', 'row 32: redirect_uri absent');
$code = obtain_code($n, params => $c1);
is_error(post_token(body => form_encode(grant_type => 'authorization_code', code => $code,
                                        redirect_uri => 'https://integrations.getseam.com/cb/',
                                        client_id => 'c1', client_secret => 'c1secret')),
         400, 'invalid_grant', 'row 32: redirect_uri different');
$code = obtain_code($n, params => $c1);
is(post_token(body => form_encode(grant_type => 'authorization_code', code => $code,
                                  redirect_uri => 'https://integrations.getseam.com/cb',
                                  client_id => 'c1', client_secret => 'c1secret'))->{status},
   200, 'row 32: the same redirect_uri: 200');
# Seam's intercom guide sends no redirect_uri; a wrong one is still refused
$code = obtain_code($n);
is_error(post_token(body => form_encode(code => $code, redirect_uri => 'https://x.integrations.getseam.com/other',
                                        client_id => 'seam', client_secret => 'seamsecret')),
         400, 'invalid_grant', 'intercom guide client: a different redirect_uri');

# row 33: PKCE (RFC 7636 appendix B pair)
my $verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
my $challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
my $c2 = [ client_id => 'c2', response_type => 'code', redirect_uri => 'https://client2.example/cb',
           code_challenge => $challenge, code_challenge_method => 'S256' ];
my @c2auth = (grant_type => 'authorization_code', redirect_uri => 'https://client2.example/cb',
              client_id => 'c2', client_secret => 'c2secret');
$code = obtain_code($n, params => $c2);
is_error(post_token(body => form_encode(@c2auth, code => $code, code_verifier => 'x' x 43)),
         400, 'invalid_grant', 'row 33: wrong verifier');
$code = obtain_code($n, params => $c2);
is_error(post_token(body => form_encode(@c2auth, code => $code)), 400, 'invalid_grant', 'row 33: missing verifier');
$code = obtain_code($n, params => $c2);
is(post_token(body => form_encode(@c2auth, code => $code, code_verifier => $verifier))->{status}, 200,
   'row 33: the right verifier');
$code = obtain_code($n, params => $c1);
is_error(post_token(body => form_encode(grant_type => 'authorization_code', code => $code,
                                        redirect_uri => 'https://integrations.getseam.com/cb',
                                        client_id => 'c1', client_secret => 'c1secret', code_verifier => $verifier)),
         400, 'invalid_grant', 'row 33: verifier without a challenge (downgrade)');

# row 34: duplicate parameters
my $d = post_token(body => 'code=a&code=b&client_id=seam&client_secret=seamsecret');
is_error($d, 400, 'invalid_request', 'row 34: code twice');
like($d->{json}{error_description}, qr/code given more than once/, 'row 34: says which');

# row 35: big and chunked bodies
is(post_token(body => 'code=' . ('a' x (1024 * 1024)))->{status}, 413, 'row 35: 1 MB body: 413');
is(post_token(body => 'code=' . ('a' x 20000))->{status}, 413, 'row 35: 20 KB body: 413');
$code = obtain_code($n);
my $body = form_encode(code => $code, client_id => 'seam', client_secret => 'seamsecret');
my $chunked = Test::Nginx::Seam::http_raw($n,
    "POST /oauth/token HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
    . "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    . sprintf("%x\r\n%s\r\n0\r\n\r\n", length $body, $body));
is($chunked->{status}, 200, 'row 35: a chunked body is read');
my $big_chunked = Test::Nginx::Seam::http_raw($n,
    "POST /oauth/token HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
    . "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    . join('', map { sprintf("%x\r\n%s\r\n", 4000, 'a' x 4000) } 1 .. 6) . "0\r\n\r\n");
is($big_chunked->{status}, 413, 'row 35: a 24 KB chunked body without a length: 413');

# bad percent-encoding and NUL in the body
is_error(post_token(body => 'code=%zz&client_id=seam&client_secret=seamsecret'), 400, 'invalid_request', 'bad percent-encoding');
is_error(post_token(body => 'code=a%00b&client_id=seam&client_secret=seamsecret'), 400, 'invalid_request', 'NUL byte');

# a code is single-use whatever happened: a failed PKCE check consumes it
$code = obtain_code($n, params => $c2);
post_token(body => form_encode(@c2auth, code => $code, code_verifier => 'y' x 43));
is_error(post_token(body => form_encode(@c2auth, code => $code, code_verifier => $verifier)),
         400, 'invalid_grant', 'a code cannot be retried after a failed PKCE check');

# error strings are printable ASCII without '"' or '\' (RFC 6749 §5.2)
my $e = post_token(body => form_encode(code => "\x{01}\"\\", client_id => 'seam', client_secret => 'seamsecret'));
unlike($e->{body}, qr/[\x00-\x1f]/, 'no control characters in error bodies');

$n->stop;
$n->assert_clean_log;
