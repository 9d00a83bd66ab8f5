# The bearer check behind auth_request, with conf/'s includes: security.md
# rows 38-44 and RFC 6750 §3. The WWW-Authenticate challenge and the real
# status reach the client.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

plan tests => 52;

my $n = start_nginx(http_config => http_config(extra => <<'H'), config => server_config() . <<'C',
log_format sent '$uri $status "$sent_http_www_authenticate"';
H
# the answer's headers as the log phase sees them, after the handler
access_log $TEST_NGINX_SERVROOT/logs/sent.log sent;
# the check alone, without the error_page line of seam-oauth-protect.conf
location /plain {
    auth_request /_seam_oauth/check;
    auth_request_set $seam_user $seam_oauth_user_id;
    proxy_set_header X-Seam-User $seam_user;
    proxy_pass http://unix:$TEST_NGINX_SERVROOT/api.sock;
}
C
    workers => 2, users => ["$OWNER $PASSWORD"]);

my $token = obtain_token($n);
my $realm = 'Bearer realm="seam-oauth"';

sub call {
    my (@headers) = @_;
    return http($n, 'GET', '/intercoms/ic_1/unlock', headers => \@headers);
}

my $r = call(Authorization => "Bearer $token");
is($r->{status}, 200, 'a live token reaches the API');
like($r->{body}, qr{device api: user=u_[0-9a-f]{32} path=/intercoms/ic_1/unlock}, 'with the owner id from the check');

# row 38
$r = call();
is($r->{status}, 401, 'row 38: no Authorization: 401');
is($r->{header}->('www-authenticate'), $realm, 'row 38: challenge without error');
is(scalar(() = $r->{header}->('www-authenticate')), 1, 'row 38: one challenge');

# row 39
$r = call(Authorization => 'Bearer ' . ('A' x 43));
is($r->{status}, 401, 'row 39: unknown token: 401');
is($r->{header}->('www-authenticate'), qq($realm, error="invalid_token"), 'row 39: invalid_token');
is(json($r->{body})->{error}, 'invalid_token', 'row 39: JSON error body');
# the live token altered: its issue time (the first 8 characters, which
# also order the store's keys), its random part, its last character; and
# unknown tokens of its length
sub flip { my ($s, $i) = @_; my $c = substr($s, $i, 1); substr($s, $i, 1) = $c eq 'B' ? 'C' : 'B'; $s }
is(length($token), 51, 'row 39: tokens are 51 characters');
for my $case ([flip($token, 0), 'issue time altered (first character)'],
              [flip($token, 7), 'issue time altered (eighth character)'],
              [flip($token, 20), 'random part altered'],
              [flip($token, 50), 'last character altered'],
              ['A' x 51, 'unknown, 51 characters'],
              [substr($token, 0, 8) . ('A' x 43), 'unknown, with a live issue time'],
              ['.' . substr($token, 1), 'not base64url in the issue time']) {
    my ($t, $why) = @$case;
    is(call(Authorization => "Bearer $t")->{status}, 401, "row 39: $why: 401");
}
is(call(Authorization => "Bearer $token")->{status}, 200, 'row 39: the live token still works');

# row 40
is(call(Authorization => "bearer $token")->{status}, 200, 'row 40: lower-case scheme');
is(call(Authorization => "BEARER $token")->{status}, 200, 'row 40: upper-case scheme');
for my $case (["Bearer  $token", 'two spaces'], ["Bearer $token,x", 'a comma'],
              ["Bearer $token;x", 'a semicolon'], ["Bearer \xc3\xa9$token", 'non-ASCII'],
              ['Bearer', 'no token'], ["Bearer $token x", 'two words'], ['Bearer =abc', 'padding first']) {
    my ($h, $why) = @$case;
    $r = call(Authorization => $h);
    is($r->{status}, 400, "row 40: $why: 400");
    is($r->{header}->('www-authenticate'), qq($realm, error="invalid_request"), "row 40: $why: invalid_request");
}
is(call(Authorization => "Bearer $token ")->{status}, 200,
   'row 40: trailing whitespace is not part of the field value (RFC 7230 §3.2.4)');

# row 41
$r = call(Authorization => "Bearer $token", Authorization => "Bearer $token");
is($r->{status}, 400, 'row 41: two Authorization headers: 400');
$r = call(Authorization => 'Basic ' . 'c2VhbTpzZWFtc2VjcmV0');
is($r->{status}, 401, 'row 41: Basic scheme: 401');
is($r->{header}->('www-authenticate'), $realm, 'row 41: with the Bearer challenge');

# row 42
$r = http($n, 'GET', "/intercoms?access_token=$token");
is($r->{status}, 401, 'row 42: a token in the query is not read');
is($r->{header}->('www-authenticate'), $realm, 'row 42: challenge without error');

# row 44
$r = call(Authorization => 'Bearer ' . ('A' x 65536));
ok($r->{status} == 400 || $r->{status} == 494, "row 44: 64 KB header: $r->{status} from nginx");

# without the error_page line: the 401 and its challenge still get through,
# and a malformed header is a 401 carrying error="invalid_request"
$r = http($n, 'GET', '/plain');
is($r->{status}, 401, 'auth_request alone: 401');
is($r->{header}->('www-authenticate'), $realm, 'auth_request alone: the challenge is passed on');
$r = http($n, 'GET', '/plain', headers => [ Authorization => 'Bearer a b' ]);
is($r->{status}, 401, 'auth_request alone: a malformed header is a 401');
is($r->{header}->('www-authenticate'), qq($realm, error="invalid_request"), 'auth_request alone: invalid_request');
is(http($n, 'GET', '/plain', headers => [ Authorization => "Bearer $token" ])->{status}, 200,
   'auth_request alone: a live token');

# the check location is internal
is(http($n, 'GET', '/_seam_oauth/check', headers => [ Authorization => "Bearer $token" ])->{status}, 404,
   'the check location cannot be called from outside');

# a token is looked up by its hash: a prefix or a longer string does not match
is(call(Authorization => 'Bearer ' . substr($token, 0, 42))->{status}, 401, 'a prefix of a token: 401');
is(call(Authorization => "Bearer ${token}A")->{status}, 401, 'a token with an extra character: 401');

# the log phase reads the denied answer's headers after its handler is done
my $sent = do { local (@ARGV, $/) = ($n->prefix . '/logs/sent.log'); <> } // '';
like($sent, qr{^/intercoms/ic_1/unlock 401 "Bearer realm=\\x22seam-oauth\\x22, error=\\x22invalid_token\\x22"$}m,
     'the access log sees the denial\'s WWW-Authenticate');
like($sent, qr{^/intercoms/ic_1/unlock 400 "Bearer realm=\\x22seam-oauth\\x22, error=\\x22invalid_request\\x22"$}m,
     'and those of a 400');

$n->stop;
$n->assert_clean_log;
