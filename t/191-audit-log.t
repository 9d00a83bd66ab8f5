# seam_oauth_audit_log: one JSON line per event an operator must account
# for, read back line by line: sign-ins (ok, failed, locked), consents,
# grants created, a code replay and the revocation it caused, refreshes
# and a refresh replay, a revoked token, and from the CLI a grant revoked,
# an owner added, disconnected and removed. Never a password, code, token,
# secret, or the name a failed sign-in typed. Then `nginx -s reopen`
# (what logrotate does), a syslog server, and a CLI that cannot write the
# log changing nothing.

use strict;
use warnings;
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;
use Test::More;
use IO::Socket::INET;
use JSON::PP ();
use Time::HiRes qw(sleep time);

my $VICTIM = 'victim@example.com';
my $VICTIM_TYPED = 'victim-typed-this@example.com';

my $n = start_nginx(
    workers => 2,
    users => ["$OWNER $PASSWORD", "$VICTIM victim password"],
    http_config => http_config(extra => <<'C'),
seam_oauth_audit_log $TEST_NGINX_SERVROOT/logs/audit.log;
seam_oauth_throttle_account 3;
seam_oauth_refresh_grace 1s;
C
    config => server_config(),
);
my $audit = $n->prefix . '/logs/audit.log';

sub lines_of {
    my ($path) = @_;
    return map { my $l = $_; my $j = eval { JSON::PP::decode_json($l) }; $j // { unparsed => $l } }
           grep { /\S/ } split /\n/, Test::Nginx::Seam::_slurp($path);
}


# ---------------------------------------------------------------- traffic

my @secrets = ($PASSWORD, 'victim password', 'seamsecret', 'c3secret', $VICTIM_TYPED);

my ($code) = obtain_code($n);
push @secrets, $code;
my $t = exchange($n, $code)->{json};
push @secrets, $t->{access_token}, $t->{refresh_token};
my $owner_id = $t->{user_id};
is(exchange($n, $code)->{json}{error}, 'invalid_grant', 'the code again: a replay');

login($n, consent => 'deny');
login($n, email => $VICTIM_TYPED, password => 'some guess', consent => 'none');
login($n, email => $VICTIM, password => "wrong $_", consent => 'none') for 1 .. 3;
is(login($n, email => $VICTIM, password => 'victim password', consent => 'none')->{status}, 429,
   'locked');

my @c3 = (params => [client_id => 'c3', response_type => 'code',
                     redirect_uri => 'https://client3.example/cb', state => 's3']);
my ($c3code) = obtain_code($n, @c3);
push @secrets, $c3code;
my $c3t = exchange($n, $c3code, fields => [grant_type => 'authorization_code', code => $c3code,
                                           redirect_uri => 'https://client3.example/cb',
                                           client_id => 'c3', client_secret => 'c3secret'])->{json};
push @secrets, $c3t->{access_token}, $c3t->{refresh_token};
my $rotated = post_form($n, '/oauth/token', grant_type => 'refresh_token',
                        refresh_token => $c3t->{refresh_token}, client_id => 'c3',
                        client_secret => 'c3secret');
is($rotated->{status}, 200, 'c3 refreshes');
push @secrets, $rotated->{json}{access_token}, $rotated->{json}{refresh_token};
sleep 2.2;
is(post_form($n, '/oauth/token', grant_type => 'refresh_token',
             refresh_token => $c3t->{refresh_token}, client_id => 'c3',
             client_secret => 'c3secret')->{json}{error}, 'invalid_grant',
   'the replaced refresh token after the grace: a replay');

my ($code2) = obtain_code($n);
push @secrets, $code2;
my $t2 = exchange($n, $code2)->{json};
push @secrets, $t2->{access_token}, $t2->{refresh_token};
is(post_form($n, '/oauth/revoke', token => $t2->{access_token}, client_id => 'seam',
             client_secret => 'seamsecret')->{status}, 200, 'a token revoked');

# the CLI, writing to the same log
my @cli = ('--audit-log', $audit);
my ($rc, $out, $err) = cli($n, @cli, 'user', 'add', 'new@example.com', '--user-id', 'dc-77',
                           { stdin => "a new password\n" });
is($rc, 0, 'CLI: user add') or diag($err);
my ($code3) = obtain_code($n);
my $t3 = exchange($n, $code3)->{json};
push @secrets, $code3, $t3->{access_token}, $t3->{refresh_token};
my ($grant) = map { (split /\t/)[0] } grep { /\tseam\t/ } split /\n/, (cli($n, 'grant', 'list'))[1];
($rc, undef, $err) = cli($n, @cli, 'grant', 'revoke', $grant);
is($rc, 0, 'CLI: grant revoke') or diag($err);
($rc) = cli($n, @cli, 'grant', 'revoke', '--user', $owner_id);
is($rc, 0, 'CLI: grant revoke --user');
($rc) = cli($n, @cli, 'user', 'remove', 'new@example.com');
is($rc, 0, 'CLI: user remove');

# ---------------------------------------------------------------- the lines

my @lines = lines_of($audit);
ok(!grep({ $_->{unparsed} } @lines), 'every line is one JSON object')
    or diag(join "\n", map { $_->{unparsed} } grep { $_->{unparsed} } @lines);

my @got = map { join ' ', grep { defined } $_->{event}, $_->{result}, $_->{client_id} } @lines;
my @want = (
    'sign_in ok seam', 'consent approved seam', 'grant_created seam',
    'code_replay grant_revoked seam',
    'sign_in ok seam', 'consent denied seam',
    'sign_in failed seam',
    'sign_in failed seam', 'sign_in failed seam', 'sign_in failed seam',
    'sign_in locked seam',
    'sign_in ok c3', 'grant_created c3', 'refresh ok c3', 'refresh_replay grant_revoked c3',
    'sign_in ok seam', 'consent approved seam', 'grant_created seam', 'token_revoked seam',
    'owner_added',
    'sign_in ok seam', 'consent approved seam', 'grant_created seam',
    'grant_revoked seam', 'owner_disconnected', 'owner_removed',
);
is_deeply(\@got, \@want, 'the events, in order') or diag(explain \@got);

my %first = ();
$first{"$_->{event} " . ($_->{result} // '')} //= $_ for @lines;

my $sign_in = $first{'sign_in ok'};
is($sign_in->{user_id}, $owner_id, 'sign_in: the owner');
is($sign_in->{scope}, 'intercoms:read', 'sign_in: the scope asked for');
is($sign_in->{remote_addr}, '127.0.0.1', 'sign_in: the address');
like($sign_in->{request_id}, qr/^[0-9a-f]{32}$/, 'sign_in: $request_id');
is($sign_in->{source}, 'nginx', 'sign_in: from nginx');
like($sign_in->{time}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'sign_in: RFC 3339 time, UTC, ms');
ok(abs(time - iso_epoch($sign_in->{time})) < 120, 'sign_in: the time is now');

my $failed = $first{'sign_in failed'};
ok(!exists $failed->{user_id}, 'a failed sign-in: no user_id');
is($failed->{client_id}, 'seam', 'a failed sign-in: the client');

my $created = $first{'grant_created '};
like($created->{grant_id}, qr/^[0-9a-f]+$/, 'grant_created: a grant id');
is($created->{user_id}, $owner_id, 'grant_created: the owner');
my $replay = $first{'code_replay grant_revoked'};
is($replay->{grant_id}, $created->{grant_id}, 'code_replay: the grant it revoked is the one created');
is($replay->{user_id}, $owner_id, 'code_replay: its owner');
is($first{'consent denied'}{user_id}, $owner_id, 'consent denied: the owner');
is($first{'consent approved'}{scope}, 'intercoms:read', 'consent approved: the scope');
my $rr = $first{'refresh_replay grant_revoked'};
is($rr->{grant_id}, $first{'refresh ok'}{grant_id}, 'refresh_replay: the grant of the refresh');
ok($first{'token_revoked '}{grant_id}, 'token_revoked: its grant');
is($first{'token_revoked '}{user_id}, $owner_id, 'token_revoked: its owner');

my $added = $first{'owner_added '};
is($added->{user_id}, 'dc-77', 'owner_added: the id');
is($added->{source}, 'cli', 'owner_added: from the CLI');
is($added->{operator}, scalar getpwuid($<), 'owner_added: who ran it');
ok(!exists $added->{request_id} && !exists $added->{remote_addr}, 'owner_added: no request fields');
is($first{'grant_revoked '}{grant_id}, $grant, 'grant_revoked: the grant given');
is($first{'grant_revoked '}{user_id}, $owner_id, 'grant_revoked: its owner');
is($first{'owner_disconnected '}{user_id}, $owner_id, 'owner_disconnected: the owner');
is($first{'owner_removed '}{user_id}, 'dc-77', 'owner_removed: the id');

my $text = Test::Nginx::Seam::_slurp($audit);
my @leaked = grep { index($text, $_) >= 0 } grep { defined && length } @secrets;
is_deeply(\@leaked, [], 'no password, secret, code, token or typed name in the log');

sub iso_epoch {
    my ($s) = @_;
    my ($y, $mo, $d, $h, $mi, $se) = $s =~ /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)/ or return 0;
    require Time::Local;
    return Time::Local::timegm($se, $mi, $h, $d, $mo - 1, $y);
}

# ---------------------------------------------------------------- reopen

my $before = scalar @lines;
rename $audit, "$audit.1" or die "rename: $!";
kill USR1 => $n->pid;
my $deadline = time + 5;
sleep 0.05 until -e $audit || time > $deadline;
ok(-e $audit, 'nginx -s reopen: a new audit.log');
login($n, consent => 'none');
my $deadline2 = time + 5;
sleep 0.05 until (scalar(lines_of($audit)) >= 1) || time > $deadline2;
is(scalar(lines_of("$audit.1")), $before, 'the old file keeps its lines');
is((lines_of($audit))[0]{event}, 'sign_in', 'the next event goes to the new file');

# ---------------------------------------------------------------- syslog

my $udp = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'udp')
    or die "udp: $!";
my $sport = $udp->sockport;
my $s = start_nginx(
    users => ["$OWNER $PASSWORD"],
    http_config => http_config(extra => "seam_oauth_audit_log syslog:server=127.0.0.1:$sport,tag=seam_audit;\n"),
    config => server_config(),
);
login($s, consent => 'none');
my $got = '';
my $sel = IO::Select->new($udp);
if ($sel->can_read(5)) {
    $udp->recv($got, 65535);
}
like($got, qr/^<\d+>\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ seam_audit: \{/, 'syslog: a message with its header and tag');
my ($json) = $got =~ /seam_audit: (\{.*\})\s*$/s;
my $line = eval { JSON::PP::decode_json($json // '') } || {};
is($line->{event}, 'sign_in', 'syslog: the JSON line');
$s->stop;

# ---------------------------------------------------------------- the CLI refuses

($rc, undef, $err) = cli($n, '--audit-log', '/nonexistent/dir/audit.log', 'user', 'add',
                         'late@example.com', { stdin => "a new password\n" });
is($rc, 1, 'the CLI cannot write its audit log: refused');
like($err, qr/cannot open the audit log "\/nonexistent\/dir\/audit\.log".*nothing was changed/,
     'saying so');
unlike((cli($n, 'user', 'list'))[1], qr/late\@example\.com/, 'and nothing was changed');
is((cli($n, '--audit-log', '/nonexistent/dir/audit.log', 'user', 'list'))[0], 0,
   'a command that changes nothing does not need the log');

$n->assert_clean_log('audit');
$n->stop;
done_testing();
