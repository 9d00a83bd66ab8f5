# The whole flow with two workers sharing one LMDB store: page, sign-in,
# 303, token, device API; concurrent redemption; reload and restart; the
# operator CLI; expiry and the sweeper; a full store.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

my $n = start_nginx(
    http_config => http_config(extra => "seam_oauth_token_ttl 3s;\nseam_oauth_sweep_interval 1s;"),
    config => server_config(), workers => 2,
    users => ["$OWNER $PASSWORD", 'second@example.com another horse battery']);

# the flow, step by step
my ($page, $cookie, $csrf) = login_page($n);
is($page->{status}, 200, 'login page');
my $signin = login($n);
is($signin->{status}, 303, 'sign-in: 303');
my (undef, $q) = parse_location($signin->{header}->('location'));
is($q->{state}, 'st-1', 'state comes back');
my $tok = exchange($n, $q->{code});
is($tok->{status}, 200, 'code exchanged');
my $at = $tok->{json}{access_token};
is(api_call($n, $at)->{status}, 200, 'device API with the token: 200');
is(api_call($n, undef)->{status}, 401, 'device API without it: 401');

# no secret, password, code or token in the error log above debug
my $log = $n->error_log;
is(scalar(grep { index($log, $_) >= 0 } $q->{code}, $at, $tok->{json}{refresh_token}, $PASSWORD, 'seamsecret'),
   0, 'no code, token, password or client secret in error.log');

# every worker accepts every token: many connections land on both workers
my @calls = Test::Nginx::Seam::http_parallel($n, [ map { [ 'GET', '/intercoms', headers => [ Authorization => "Bearer $at" ] ] } 1 .. 20 ]);
is(scalar(grep { $_->{status} == 200 } @calls), 20, 'the token works on every worker (20 parallel calls)');

# sixteen concurrent redemptions of one code across two workers
my $code = obtain_code($n);
my @race = Test::Nginx::Seam::http_parallel($n, [ map {
    [ 'POST', '/oauth/token', headers => [ 'Content-Type' => 'application/x-www-form-urlencoded' ],
      body => form_encode(code => $code, client_id => 'seam', client_secret => 'seamsecret') ] } 1 .. 16 ]);
my @won = grep { $_->{status} == 200 } @race;
is(scalar @won, 1, 'exactly one of 16 concurrent redemptions gets 200');
is(scalar(grep { $_->{status} == 400 && json($_->{body})->{error} eq 'invalid_grant' } @race), 15,
   'the other 15 get invalid_grant');
# a replay after the race revokes the winner's token
is(api_call($n, json($won[0]{body})->{access_token})->{status}, 401,
   'the replays revoked the token the winner got');

# sixteen redemptions at once, of twelve codes of two owners and four
# unknown codes: group commits must give each request its own answer
my %owner_id;
for my $who ([$OWNER, $PASSWORD], ['second@example.com', 'another horse battery']) {
    my $t = exchange($n, scalar obtain_code($n, email => $who->[0], password => $who->[1]));
    $owner_id{$who->[0]} = $t->{json}{user_id};
}
my @mine;
for my $i (1 .. 12) {
    my $who = $i % 2 ? [$OWNER, $PASSWORD] : ['second@example.com', 'another horse battery'];
    push @mine, [ scalar obtain_code($n, email => $who->[0], password => $who->[1]), $who->[0] ];
}
push @mine, map { [ 'A' x 51, undef ] } 1 .. 4;
my @all = Test::Nginx::Seam::http_parallel($n, [ map {
    [ 'POST', '/oauth/token', headers => [ 'Content-Type' => 'application/x-www-form-urlencoded' ],
      body => form_encode(code => $_->[0], client_id => 'seam', client_secret => 'seamsecret') ] } @mine ]);
my @good = grep { $mine[$_][1] } 0 .. $#mine;
is(scalar(grep { $all[$_]{status} == 200 } @good), 12, 'sixteen at once: the twelve codes get 200');
is(scalar(grep { !$mine[$_][1] && $all[$_]{status} == 400
                 && json($all[$_]{body})->{error} eq 'invalid_grant' } 0 .. $#mine), 4,
   'sixteen at once: the four unknown codes get invalid_grant');
is(scalar(grep { (json($all[$_]{body})->{user_id} // '') eq $owner_id{ $mine[$_][1] } } @good), 12,
   "sixteen at once: each answer names its own code's owner");
my %seen = map { (json($all[$_]{body})->{access_token} // '') => 1 } @good;
is(scalar(grep { length } keys %seen), 12, 'sixteen at once: twelve distinct access tokens');
is(scalar(grep { api_call($n, json($all[$_]{body})->{access_token})->{body}
                 =~ /user=\Q$owner_id{ $mine[$_][1] }\E / } @good), 12,
   "sixteen at once: each token reaches the API as its code's owner");

# tokens survive a reload and a restart
my $keep = obtain_token($n);
ok($n->reload, 'reload');
is(api_call($n, $keep)->{status}, 200, 'token valid after nginx -s reload');
my $code_before_restart = obtain_code($n);
$n->restart;
is(api_call($n, $keep)->{status}, 200, 'token valid after a restart');
is(exchange($n, $code_before_restart)->{status}, 200, 'a code issued before the restart is redeemed after it');

# the CLI, while nginx runs
my ($rc, $out) = cli($n, 'grant', 'list');
is($rc, 0, 'grant list');
my ($grant) = grep { /\tseam\t\Q$OWNER\E\t/ && /1 live token/ } split /\n/, $out;
ok($grant, 'grant list shows client, owner and live tokens');
my $victim = obtain_token($n);
($rc) = cli($n, 'grant', 'revoke', 'ffffffffffffffffffffffffffffffff');
is($rc, 1, 'revoking an unknown grant fails');
($rc, $out) = cli($n, 'grant', 'revoke', '--user', $OWNER);
is($rc, 0, 'grant revoke --user');
like($out, qr/revoked \d+ grant/, 'says how many');
is(api_call($n, $victim)->{status}, 401, 'revoked: the token stops working at once');
is(api_call($n, $keep)->{status}, 401, 'revoked: every grant of the owner');
my $again = obtain_token($n);
is(api_call($n, $again)->{status}, 200, 'the owner can connect again');
($rc, $out) = cli($n, 'grant', 'list');
my ($gid) = $out =~ /^([0-9a-f]{32})\tseam\t\Q$OWNER\E\t/m;
($rc) = cli($n, 'grant', 'revoke', $gid);
is($rc, 0, 'grant revoke ID');
is(api_call($n, $again)->{status}, 401, 'revoked by id');

# passwd and remove
($rc) = cli($n, 'user', 'passwd', $OWNER, { stdin => "a new password\n" });
is($rc, 0, 'user passwd');
is(login($n)->{status}, 200, 'the old password no longer works');
is(login($n, password => 'a new password')->{status}, 303, 'the new one does');
my $doomed = exchange($n, scalar obtain_code($n, password => 'a new password'))->{json}{access_token};
($rc) = cli($n, 'user', 'remove', $OWNER);
is($rc, 0, 'user remove');
is(api_call($n, $doomed)->{status}, 401, 'removing an owner revokes its tokens');
is(login($n, password => 'a new password')->{status}, 200, 'a removed owner cannot sign in');
($rc) = cli($n, 'user', 'add', $OWNER, { stdin => "$PASSWORD\n" });
is($rc, 0, 'user add');
($rc, undef, my $err) = cli($n, 'user', 'add', $OWNER, { stdin => "$PASSWORD\n" });
is($rc, 1, 'adding an existing owner fails');
like($err, qr/already exists/, 'and says so');
($rc, undef, $err) = cli($n, 'user', 'add', 'x@example.com', { stdin => "short\n" });
is($rc, 1, 'a short password is refused');

# expiry: tokens last 3 s here; the sweeper (every 1 s) removes them
my $short = obtain_token($n);
is(api_call($n, $short)->{status}, 200, 'fresh token works');
select(undef, undef, undef, 4.5);
my $expired = api_call($n, $short);
is($expired->{status}, 401, 'expired token: 401');
like($expired->{header}->('www-authenticate'), qr/error="invalid_token"/, 'expired token: invalid_token');
like($n->error_log, qr/seam_oauth: swept \d+ codes, [1-9]\d* tokens, \d+ grants/, 'the sweeper removed expired tokens');
($rc, $out) = cli($n, 'stats');
like($out, qr/tokens\s+0\n/, 'no token left in the store');

$n->stop;
$n->assert_clean_log;

# a full store: 503 and a clear line in the error log, never a crash
my $full = start_nginx(http_config => http_config(map_size => '64k'), config => server_config(),
                       workers => 2, users => ["$OWNER $PASSWORD"]);
my ($status, $tries) = (0, 0);
while ($tries++ < 300) {
    my $r = login($full);
    $status = $r->{status};
    last if $status != 303;
}
is($status, 503, "a full store: sign-in answers 503 (after $tries sign-ins)");
like($full->error_log, qr/\[error\].*seam_oauth: the store ".*" is full \(map_size 65536\); raise map_size/,
     'the error log says the store is full');
is(api_call($full, undef)->{status}, 401, 'the worker keeps serving');
$full->stop;
$full->assert_clean_log;

# sync=nometa: one fsync per commit; what was committed is there after a
# restart, and sixteen redemptions at once are each answered
my $lazy = start_nginx(http_config => http_config(sync => 'nometa'), config => server_config(),
                       workers => 2, users => ["$OWNER $PASSWORD"]);
my $lazy_token = obtain_token($lazy);
is(api_call($lazy, $lazy_token)->{status}, 200, 'sync=nometa: a token works');
my @lazy_codes = map { scalar obtain_code($lazy) } 1 .. 16;
my @lazy_all = Test::Nginx::Seam::http_parallel($lazy, [ map {
    [ 'POST', '/oauth/token', headers => [ 'Content-Type' => 'application/x-www-form-urlencoded' ],
      body => form_encode(code => $_, client_id => 'seam', client_secret => 'seamsecret') ] } @lazy_codes ]);
is(scalar(grep { $_->{status} == 200 } @lazy_all), 16, 'sync=nometa: sixteen redemptions at once: 200');
$lazy->restart;
is(api_call($lazy, $lazy_token)->{status}, 200, 'sync=nometa: the token works after a restart');
is(scalar(grep { api_call($lazy, json($_->{body})->{access_token})->{status} == 200 } @lazy_all), 16,
   'sync=nometa: and so do the sixteen');
$lazy->stop;
$lazy->assert_clean_log;

done_testing();
