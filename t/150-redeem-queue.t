# The redemption queue that two workers share (seam_oauth_redeem_queue):
# many redemptions at once across both workers, each answered with its own
# tokens; a queue too small for the load, where the rest redeem alone; a
# reload into a queue of another size; a worker killed and replaced; the
# directive's bounds. The data blocks run first, then the flow.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

$Test::Nginx::Seam::DEFAULT{config} = server_config();

plan tests => count_block_tests() + 16;
run_tests();

my $SECOND = ['second@example.com', 'another horse battery'];

sub redeem_all {
    my ($n, $codes) = @_;
    return Test::Nginx::Seam::http_parallel($n, [ map {
        [ 'POST', '/oauth/token', headers => [ 'Content-Type' => 'application/x-www-form-urlencoded' ],
          body => form_encode(code => $_->[0], client_id => 'seam', client_secret => 'seamsecret') ] } @$codes ]);
}

# `count` codes, alternately of the two owners: [code, owner's user_id]
sub codes_of_two_owners {
    my ($n, $count, $ids) = @_;
    return map {
        my $who = $_ % 2 ? [$OWNER, $PASSWORD] : $SECOND;
        [ scalar obtain_code($n, email => $who->[0], password => $who->[1]), $ids->{ $who->[0] } ]
    } 1 .. $count;
}

# every answer 200, with its own owner's user_id and a distinct token that
# reaches the API as that owner
sub all_answered {
    my ($n, $codes, $res, $what) = @_;
    my @ok = grep { $res->[$_]{status} == 200
                    && (json($res->[$_]{body})->{user_id} // '') eq $codes->[$_][1] } 0 .. $#$codes;
    is(scalar @ok, scalar @$codes, "$what: every redemption gets 200 and its own owner");
    my %tokens = map { (json($_->{body})->{access_token} // '') => 1 } @$res;
    is(scalar(grep { length } keys %tokens), scalar @$codes, "$what: distinct access tokens");
    is(scalar(grep { api_call($n, json($res->[$_]{body})->{access_token})->{body}
                     =~ /user=\Q$codes->[$_][1]\E / } 0 .. $#$codes),
       scalar @$codes, "$what: each token reaches the API as its owner");
}

my $n = start_nginx(http_config => http_config(), config => server_config(), workers => 2,
                    users => ["$OWNER $PASSWORD", "$SECOND->[0] $SECOND->[1]"]);
my %ids;
for my $who ([$OWNER, $PASSWORD], $SECOND) {
    $ids{ $who->[0] } = exchange($n, scalar obtain_code($n, email => $who->[0], password => $who->[1]))
                        ->{json}{user_id};
}
ok(length $ids{$OWNER} && length $ids{ $SECOND->[0] } && $ids{$OWNER} ne $ids{ $SECOND->[0] },
   'two owners with user ids');

# thirty-two at once over two workers: the queue holds them all
my @codes = codes_of_two_owners($n, 32, \%ids);
my @res = redeem_all($n, \@codes);
all_answered($n, \@codes, \@res, '32 at once');
unlike($n->error_log, qr/redeeming alone/, '32 at once: every one had a slot');

# each code once: the same thirty-two again are all spent
@res = redeem_all($n, \@codes);
is(scalar(grep { $_->{status} == 400 && json($_->{body})->{error} eq 'invalid_grant' } @res), 32,
   'the same codes again: invalid_grant for each');

# a reload into a queue of one slot: those that find it taken redeem alone
ok($n->reload(http_config => http_config(extra => 'seam_oauth_redeem_queue 1;')),
   'reload into seam_oauth_redeem_queue 1');
@codes = codes_of_two_owners($n, 16, \%ids);
@res = redeem_all($n, \@codes);
all_answered($n, \@codes, \@res, 'one slot, 16 at once');
like($n->error_log, qr/\[warn\] .*no slot in the redemption queue: redeeming alone/,
     'one slot, 16 at once: the others redeemed alone, with a warning');

# a worker killed and replaced: the new one works on the same queue
my @workers = Test::Nginx::Seam::_children($n->pid);
kill KILL => $workers[0];
my $deadline = time + 10;
my @now;
while (time < $deadline) {
    @now = Test::Nginx::Seam::_children($n->pid);
    last if @now == 2 && !grep { $_ == $workers[0] } @now;
    select(undef, undef, undef, 0.05);
}
is(scalar(grep { $_ != $workers[0] } @now), 2, 'the master replaced the killed worker');
@codes = codes_of_two_owners($n, 16, \%ids);
@res = redeem_all($n, \@codes);
all_answered($n, \@codes, \@res, 'after a worker was killed');

$n->stop;
my @bad = grep { /\[(?:alert|crit|emerg|error)\]/ && !/exited on signal 9/ } split /\n/, $n->error_log;
ok(!@bad, 'error.log: nothing but the killed worker') or diag(join "\n", @bad);

__DATA__

=== TEST 1: seam_oauth_redeem_queue 0 is refused
--- http_config eval
Test::Nginx::SeamFlow::http_config(extra => 'seam_oauth_redeem_queue 0;')
--- must_die
--- error_log
seam_oauth_redeem_queue must be 1 to 65536

=== TEST 2: more than 65536 slots is refused
--- http_config eval
Test::Nginx::SeamFlow::http_config(extra => 'seam_oauth_redeem_queue 65537;')
--- must_die
--- error_log
seam_oauth_redeem_queue must be 1 to 65536

=== TEST 3: not a number
--- http_config eval
Test::Nginx::SeamFlow::http_config(extra => 'seam_oauth_redeem_queue many;')
--- must_die
--- error_log
"seam_oauth_redeem_queue" directive invalid number

=== TEST 4: the largest queue, 65536 slots (256 MiB of shared memory), starts
--- http_config eval
Test::Nginx::SeamFlow::http_config(extra => 'seam_oauth_redeem_queue 65536;')
--- request
GET /authorize?client_id=seam&response_type=code&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb&state=s
--- error_code: 200
--- no_error_log
[error]
