# nginx -s reload (and a binary upgrade's old workers) while requests wait
# on a thread pool: an exiting worker stays until it has answered them
# (security.md L5). Before, it left at once: a redemption already
# committed went unanswered (an empty reply), and the client's retry found
# its code used and its grant revoked.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;
use File::Temp ();
use POSIX ();
use Time::HiRes qw(time sleep);

my $hold = lock_holder();
ok(-x $hold, "the lock holder $hold is built (make prove builds it)") or BAIL_OUT('no lock holder');

# ten owners: one account's sign-ins at once are throttled as one (t/130)
my @owners = map { "owner$_\@example.com" } 1 .. 10;
my $n = start_nginx(http_config => http_config(), config => server_config(),
                    workers => 2, users => ["$OWNER $PASSWORD", map { "$_ $PASSWORD" } @owners]);

# A redemption in a child process; its status and token go to `file`.
sub redeem_in_child {
    my ($code, $file) = @_;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my $r = eval { exchange($n, $code) } || {};
        open my $fh, '>', $file or POSIX::_exit(1);
        print {$fh} ($r->{status} // 'none'), ' ', ($r->{json}{access_token} // ''), "\n";
        close $fh;
        POSIX::_exit(0);
    }
    return $pid;
}

# A redemption that waits for the lock, a reload meanwhile: the answer
# still comes, and its token works.
my $dir = File::Temp->newdir;
my $code = obtain_code($n);
my $holder = hold_lock($n->store, 3);
my $pid = redeem_in_child($code, "$dir/one");
sleep 0.5;
ok($n->reload, 'reload while the redemption waits for the store');
waitpid $holder, 0;
waitpid $pid, 0;
my ($status, $token) = split / /, Test::Nginx::Seam::_slurp("$dir/one");
is($status, 200, 'the waiting redemption is answered after the reload');
is(api_call($n, $token)->{status}, 200, 'and its token works');

# Redemptions and sign-ins through ten reloads: every request answered,
# every answered code's token working.
my @codes = map { scalar obtain_code($n) } 1 .. 40;
my @kids;
for my $i (0 .. $#codes) {
    push @kids, redeem_in_child($codes[$i], "$dir/r$i");
}
my @signins = map {
    my $i = $_;
    my $p = fork // die "fork: $!";
    if (!$p) {
        my $r = eval { login($n, consent => 'none', email => $owners[$i - 1]) } || {};
        open my $fh, '>', "$dir/s$i" or POSIX::_exit(1);
        print {$fh} ($r->{status} // 'none'), "\n";
        close $fh;
        POSIX::_exit(0);
    }
    $p;
} 1 .. 10;
for (1 .. 10) {
    $n->reload;
    sleep 0.1;
}
waitpid $_, 0 for @kids, @signins;

my ($answered, $working) = (0, 0);
for my $i (0 .. $#codes) {
    my ($s, $t) = split / /, Test::Nginx::Seam::_slurp("$dir/r$i");
    chomp $t if defined $t;
    $answered++ if ($s // '') eq '200';
    $working++ if ($s // '') eq '200' && api_call($n, $t)->{status} == 200;
}
is($answered, scalar @codes, "every redemption through ten reloads answered 200 ($answered of " . @codes . ')');
is($working, $answered, 'and every token they gave works');
my @signed = grep { Test::Nginx::Seam::_slurp("$dir/s$_") =~ /^200$/m } 1 .. 10;
is(scalar @signed, 10, 'every sign-in through the reloads answered (the consent page)');

$n->stop;
unlike($n->error_log, qr/open socket #\d+ left in connection/, 'no worker left with a connection open');
unlike($n->error_log, qr/\baborting\b/, 'no worker aborted');
$n->assert_clean_log;

done_testing();
