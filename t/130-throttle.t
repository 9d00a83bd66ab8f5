# Throttling (security.md item 29, row 20): failed sign-ins counted per
# account and per client address in LMDB, shared by all workers and kept
# across a reload; past the limit, 429 with Retry-After and the same page
# for unknown e-mails; failed client authentications at the token
# endpoint likewise; and the bearer check keeps serving during a burst.
# The token endpoint's part is one fixed sequence, a data block below.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

our $LIMITS = <<'C';
seam_oauth_throttle_account 3;
seam_oauth_throttle_ip 8;
seam_oauth_throttle_client 4;
seam_oauth_throttle_window 60s;
seam_oauth_throttle_max_lockout 4s;
C
my $n = start_nginx(http_config => http_config(extra => $LIMITS), config => server_config(),
                    workers => 2, users => ["$OWNER $PASSWORD", "second\@example.com second-password"]);

sub attempt { login($n, consent => 'none', @_) }
# what may differ between two such pages: the CSRF token, the e-mail kept in
# the form, and the seconds left, which depend on when each lock began
sub strip {
    my $b = shift;
    $b =~ s/value="\d+\.[^"]*"//g;
    $b =~ s/name="email" value="[^"]*"//g;
    $b =~ s/Try again in \d+ seconds/Try again in N seconds/g;
    $b
}

# per account: 3 failures, then 429 even with the right password
is(attempt(password => 'wrong')->{status}, 200, 'failure 1: the page again') for 1 .. 3;
my $locked = attempt();
is($locked->{status}, 429, 'account locked: 429 even with the right password');
like($locked->{header}->('retry-after'), qr/^[1-9]\d*$/, 'Retry-After');
like($locked->{body}, qr/Too many failed sign-ins/, 'says why');
ok(!defined $locked->{header}->('location'), 'no redirect');

# an unknown e-mail is counted the same way and answered the same way
attempt(email => 'nobody@example.com', password => 'x') for 1 .. 3;
my $ghost = attempt(email => 'nobody@example.com', password => 'x');
is($ghost->{status}, 429, 'unknown e-mail: locked alike');
is(strip($ghost->{body}), strip($locked->{body}), 'unknown e-mail: the same page');

# the lock (2 s the first time) ends; a success resets the account's counter
select(undef, undef, undef, 2.3);
my $ok = attempt();
is($ok->{status}, 200, 'after the lock: signed in (the consent page)');
like($ok->{body}, qr/name="decision"/, 'the consent page');
is(attempt(password => 'wrong')->{status}, 200, 'after a success: failures start again from zero');

# the counters are in the store: they survive a reload and are shared
ok($n->reload, 'reload');
attempt(password => 'wrong') for 1 .. 2;
is(attempt()->{status}, 429, 'failures before and after the reload add up');
like($n->error_log, qr/\[warn\].*sign-in throttled/, 'throttling is logged as a warning');

# per address: 8 failures across accounts lock the address
select(undef, undef, undef, 4.5);
attempt(email => "user$_\@example.com", password => 'x') for 1 .. 4;
my $ip = attempt(email => 'second@example.com', password => 'second-password');
is($ip->{status}, 429, 'the address is locked after failures across accounts');
select(undef, undef, undef, 4.5);
is(attempt(email => 'second@example.com', password => 'second-password')->{status}, 200,
   'the address lock ends');

$n->stop;
$n->assert_clean_log;

# the bearer check keeps serving while sign-ins fail flat out
my $b = start_nginx(http_config => http_config(extra => "seam_oauth_throttle_account 1000;\nseam_oauth_throttle_ip 1000;"),
                    config => server_config(), workers => 2, users => ["$OWNER $PASSWORD"]);
my $token = obtain_token($b);
my @forms = map { [ login_page($b) ] } 1 .. 24;
my @burst;
for my $f (@forms) {
    my ($page, $cookie) = @$f;
    my %hidden = $page->{body} =~ /<input type="hidden" name="([^"]+)" value="([^"]*)"/g;
    push @burst, [ 'POST', '/authorize', headers => [ 'Content-Type' => 'application/x-www-form-urlencoded',
        Cookie => $cookie ], body => form_encode(%hidden, email => $OWNER, password => 'wrong') ];
    push @burst, [ 'GET', '/intercoms', headers => [ Authorization => "Bearer $token" ] ];
}
my @answers = Test::Nginx::Seam::http_parallel($b, \@burst);
my @logins = grep { $_ % 2 == 0 } 0 .. $#answers;
my @bearer = grep { $_ % 2 == 1 } 0 .. $#answers;
is(scalar(grep { $answers[$_]{status} == 200 && $answers[$_]{body} =~ /incorrect/ } @logins), 24,
   '24 concurrent failed sign-ins all got the generic failure');
is(scalar(grep { $answers[$_]{status} == 200 && $answers[$_]{body} =~ /device api/ } @bearer), 24,
   'the 24 device API calls made meanwhile all succeeded');
$b->stop;
$b->assert_clean_log;

run_tests();
done_testing();

__DATA__

=== TEST 1: the token endpoint: failed client authentications per client id and address; 4 failures (401 each), then 429 even with the right secret, with Retry-After and no-store; another client id is not locked
--- http_config eval
http_config(extra => $LIMITS)
--- config eval
server_config()
--- workers: 2
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- pipelined_requests eval
[("POST /oauth/token\ncode=x&client_id=seam&client_secret=wrong") x 4,
 "POST /oauth/token\ncode=x&client_id=seam&client_secret=seamsecret",
 "POST /oauth/token\ncode=x&client_id=c1&client_secret=c1secret"]
--- error_code eval
[401, 401, 401, 401, 429, 400]
--- response_headers_like eval
[undef, undef, undef, undef, 'Retry-After: ^[1-9]\d*$', undef]
--- response_headers eval
[undef, undef, undef, undef, 'Cache-Control: no-store', undef]
--- response_body_like eval
[undef, undef, undef, undef, undef, '"error":"invalid_grant"']
