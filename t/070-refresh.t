# grant_type=refresh_token, built to Seam's rule: refreshing never breaks a
# live access token, the refresh token stays the same by default, and with
# rotation a replay in the grace window gets the same pair while a replay
# after it revokes the whole grant (RFC 9700 §4.14, security.md row 36).
# These chains are the script; a refresh refused or narrowed on its own is
# a data block below (its --- init gets a refresh token first).
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

my $http_config = http_config(extra => 'seam_oauth_refresh_grace 2s;');
$Test::Nginx::Seam::DEFAULT{http_config} = $http_config;
$Test::Nginx::Seam::DEFAULT{config} = server_config();
$Test::Nginx::Seam::DEFAULT{workers} = 2;
$Test::Nginx::Seam::DEFAULT{user} = "$OWNER $PASSWORD";

# for --- init: the refresh token of a fresh grant of both scopes
sub refresh_token_of {
    my ($srv) = @_;
    my $t = exchange($srv, scalar obtain_code($srv,
        params => [ redirect_uri => $SEAM_REDIRECT, scope => 'intercoms:read intercoms:unlock' ]));
    die "exchange failed: $t->{status} $t->{body}" unless $t->{status} == 200;
    return $t->{json}{refresh_token};
}

my $n = start_nginx(http_config => $http_config,
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
like($n->error_log, qr/\[warn\].*a replaced refresh token came again from client "c3": grant [0-9a-f]{32} and all its tokens are revoked/,
     'the reuse is logged as a warning');

# no secret, code or token in the error log above debug
my $log = $n->error_log;
my $leaks = grep { index($log, $_) >= 0 } grep { defined } $at1, $rt, $rt1, $rt2, $at2, $code, 'seamsecret';
is($leaks, 0, 'no token, code or secret in the error log');

# tokens and refresh tokens survive a restart
$n->restart;
is(refresh($rt)->{status}, 200, 'the refresh token works after a restart');

$n->stop;
$n->assert_clean_log;

run_tests();
done_testing();

__DATA__

=== TEST 1: scope: a narrower one is fine and granted
--- init
$srv->set_var(RT => refresh_token_of($srv));
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
grant_type=refresh_token&refresh_token=$TEST_NGINX_RT&client_id=seam&client_secret=seamsecret&scope=intercoms%3Aread
--- error_code: 200
--- response_body_like: "scope":"intercoms:read",

=== TEST 2: scope: a wider one is not: invalid_scope
--- init
$srv->set_var(RT => refresh_token_of($srv));
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
grant_type=refresh_token&refresh_token=$TEST_NGINX_RT&client_id=seam&client_secret=seamsecret&scope=intercoms%3Aread%20access_codes%3Awrite
--- error_code: 400
--- response_body_like: "error":"invalid_scope"

=== TEST 3: the refresh token is bound to its client: another client gets invalid_grant
--- init
$srv->set_var(RT => refresh_token_of($srv));
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
grant_type=refresh_token&refresh_token=$TEST_NGINX_RT&client_id=c1&client_secret=c1secret
--- error_code: 400
--- response_body_like: "error":"invalid_grant"

=== TEST 4: a wrong secret: 401
--- init
$srv->set_var(RT => refresh_token_of($srv));
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
grant_type=refresh_token&refresh_token=$TEST_NGINX_RT&client_id=seam&client_secret=wrong
--- error_code: 401

=== TEST 5: an unknown refresh token: invalid_grant
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
"POST /oauth/token
grant_type=refresh_token&refresh_token=" . ('A' x 43) . "&client_id=seam&client_secret=seamsecret"
--- error_code: 400
--- response_body_like: "error":"invalid_grant"

=== TEST 6: no refresh_token: invalid_request
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /oauth/token
grant_type=refresh_token&client_id=seam&client_secret=seamsecret
--- error_code: 400
--- response_body_like: "error":"invalid_request"

=== TEST 7: the JSON body works for refresh too (Seam's guide style)
--- init
$srv->set_var(RT => refresh_token_of($srv));
--- more_headers
Content-Type: application/json
--- request chomp
POST /oauth/token
{"grant_type":"refresh_token","refresh_token":"$TEST_NGINX_RT","client_id":"seam","client_secret":"seamsecret"}
--- error_code: 200
