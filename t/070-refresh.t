# grant_type=refresh_token, built to Seam's rule: refreshing never breaks a
# live access token, the refresh token stays the same by default, and with
# rotation a replay in the grace window gets the same pair while a replay
# after it revokes the whole grant (RFC 9700 §4.14, security.md row 36).
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

plan tests => 44;

my $n = start_nginx(http_config => http_config(extra => 'seam_oauth_refresh_grace 2s;'),
                    config => server_config(), workers => 2, users => ["$OWNER $PASSWORD"]);

sub refresh {
    my ($rt, %o) = @_;
    return exchange($n, undef, fields => [ grant_type => 'refresh_token', refresh_token => $rt,
        client_id => $o{client} // 'seam', client_secret => $o{secret} // 'seamsecret',
        ($o{scope} ? (scope => $o{scope}) : ()) ]);
}

# the token response carries a refresh token
my $first = exchange($n, scalar obtain_code($n,
    params => [ redirect_uri => $SEAM_REDIRECT, scope => 'intercoms:read intercoms:unlock' ]));
is($first->{status}, 200, 'code exchanged');
my ($at1, $rt) = @{ $first->{json} }{qw(access_token refresh_token)};
like($rt, qr/^[A-Za-z0-9_-]{51}$/, 'a refresh token: issue time and 256 random bits');
isnt($rt, $at1, 'distinct from the access token');
is($first->{json}{scope}, 'intercoms:read intercoms:unlock', 'the granted scope is returned');

# a refresh: new access token, same refresh token, old access token alive
my $r = refresh($rt);
is($r->{status}, 200, 'refresh: 200');
is($r->{json}{refresh_token}, $rt, 'the refresh token stays the same');
isnt($r->{json}{access_token}, $at1, 'a new access token');
is($r->{json}{token_type}, 'Bearer', 'token_type');
is($r->{json}{expires_in}, 3600, 'expires_in');
is($r->{json}{user_id}, $first->{json}{user_id}, 'the same user_id');
is($r->{header}->('cache-control'), 'no-store', 'no-store');
is(api_call($n, $at1)->{status}, 200, 'the old access token still works');
is(api_call($n, $r->{json}{access_token})->{status}, 200, 'the new one works');

# twenty concurrent refreshes with one refresh token
my @many = Test::Nginx::Seam::http_parallel($n, [ map {
    [ 'POST', '/oauth/token', headers => [ 'Content-Type' => 'application/x-www-form-urlencoded' ],
      body => form_encode(grant_type => 'refresh_token', refresh_token => $rt,
                          client_id => 'seam', client_secret => 'seamsecret') ] } 1 .. 20 ]);
is(scalar(grep { $_->{status} == 200 } @many), 20, '20 concurrent refreshes: all 200');
my @tokens = map { json($_->{body})->{access_token} } @many;
my %distinct = map { $_ => 1 } @tokens;
is(scalar keys %distinct, 20, '20 distinct access tokens');
is(scalar(grep { api_call($n, $_)->{status} == 200 } @tokens, $at1), 21,
   'every access token they returned works, and the first one too');

# scope: narrower is fine, wider is not
$r = refresh($rt, scope => 'intercoms:read');
is($r->{status}, 200, 'a narrower scope');
is($r->{json}{scope}, 'intercoms:read', 'the narrower scope is granted');
is(refresh($rt, scope => 'intercoms:read access_codes:write')->{json}{error}, 'invalid_scope',
   'a wider scope: invalid_scope');

# the refresh token is bound to its client
is(refresh($rt, client => 'c1', secret => 'c1secret')->{json}{error}, 'invalid_grant',
   'another client: invalid_grant');
is(refresh($rt, secret => 'wrong')->{status}, 401, 'a wrong secret: 401');
is(refresh('A' x 43)->{json}{error}, 'invalid_grant', 'an unknown refresh token: invalid_grant');
is(exchange($n, undef, fields => [ grant_type => 'refresh_token', client_id => 'seam',
                                   client_secret => 'seamsecret' ])->{json}{error},
   'invalid_request', 'no refresh_token: invalid_request');

# after a code replay the grant is gone, refresh tokens included
my $code = obtain_code($n);
my $x = exchange($n, $code);
exchange($n, $code);
is(refresh($x->{json}{refresh_token})->{json}{error}, 'invalid_grant',
   'a replayed code also kills its refresh token');

# rotation (client c3): a new pair each time
my $c3 = [ client_id => 'c3', response_type => 'code', redirect_uri => 'https://client3.example/cb',
           scope => 'intercoms:read' ];
my $c3code = obtain_code($n, params => $c3);
my $t = exchange($n, $c3code, fields => [ grant_type => 'authorization_code', code => $c3code,
    redirect_uri => 'https://client3.example/cb', client_id => 'c3', client_secret => 'c3secret' ]);
is($t->{status}, 200, 'rotation client: code exchanged');
my $rt1 = $t->{json}{refresh_token};
my $rot = refresh($rt1, client => 'c3', secret => 'c3secret');
is($rot->{status}, 200, 'rotation: refresh');
my ($at2, $rt2) = @{ $rot->{json} }{qw(access_token refresh_token)};
isnt($rt2, $rt1, 'rotation: a new refresh token');
is(api_call($n, $t->{json}{access_token})->{status}, 200, 'rotation: the first access token still works');

# a replay within the grace window: the very same pair
my @replays = Test::Nginx::Seam::http_parallel($n, [ map {
    [ 'POST', '/oauth/token', headers => [ 'Content-Type' => 'application/x-www-form-urlencoded' ],
      body => form_encode(grant_type => 'refresh_token', refresh_token => $rt1,
                          client_id => 'c3', client_secret => 'c3secret') ] } 1 .. 5 ]);
is(scalar(grep { $_->{status} == 200 } @replays), 5, 'grace window: 5 parallel replays all 200');
is(scalar(grep { json($_->{body})->{access_token} eq $at2 && json($_->{body})->{refresh_token} eq $rt2 } @replays),
   5, 'grace window: each gets the same pair, not a second one');
cmp_ok(json($replays[0]{body})->{expires_in}, '<=', 3600, 'grace window: expires_in counts down');
is(api_call($n, $at2)->{status}, 200, 'the rotated access token works');

# the new refresh token rotates on
my $rot2 = refresh($rt2, client => 'c3', secret => 'c3secret');
is($rot2->{status}, 200, 'rotation: the new refresh token works');
my ($at3, $rt3) = @{ $rot2->{json} }{qw(access_token refresh_token)};

# a replay after the grace window: reuse detected, the family revoked
select(undef, undef, undef, 3.2);
my $reuse = refresh($rt1, client => 'c3', secret => 'c3secret');
is($reuse->{status}, 400, 'row 36: a superseded refresh token after the grace window: 400');
is($reuse->{json}{error}, 'invalid_grant', 'row 36: invalid_grant');
is(api_call($n, $at3)->{status}, 401, 'row 36: the newest access token is revoked');
is(api_call($n, $at2)->{status}, 401, 'row 36: and the older one');
is(refresh($rt3, client => 'c3', secret => 'c3secret')->{json}{error}, 'invalid_grant',
   'row 36: the newest refresh token is revoked too');
like($n->error_log, qr/\[warn\].*refresh token reused: the grant is revoked.*client "c3"/,
     'the reuse is logged as a warning');

# no secret, code or token in the error log above debug
my $log = $n->error_log;
my $leaks = grep { index($log, $_) >= 0 } grep { defined } $at1, $rt, $rt1, $rt2, $at2, $code, 'seamsecret';
is($leaks, 0, 'no token, code or secret in the error log');

# the JSON body works for refresh too (Seam's guide style)
$r = http($n, 'POST', '/oauth/token', headers => [ 'Content-Type' => 'application/json' ],
          body => qq({"grant_type":"refresh_token","refresh_token":"$rt","client_id":"seam","client_secret":"seamsecret"}));
is($r->{status}, 200, 'refresh with a JSON body');

# tokens and refresh tokens survive a restart
$n->restart;
is(refresh($rt)->{status}, 200, 'the refresh token works after a restart');

$n->stop;
$n->assert_clean_log;
