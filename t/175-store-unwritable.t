# A store that cannot be written (security.md L3): its map full
# (MDB_MAP_FULL), or its disk full (ENOSPC, a real file system: a tmpfs
# of 2 MiB). Every write then gets the endpoint's own 503 (JSON
# temporarily_unavailable with no-store at the token endpoint, the error
# page at /authorize), the error log says why once, not once a request,
# and bearer checks go on. Before, a full disk gave nginx's HTML 500 and a
# log line per request.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;
use File::Temp ();

# What each endpoint answers while the store cannot be written, and what
# the log says of it. A sign-in's few writes may still fit in pages the
# file has (a full disk does not stop those): then it goes on, never a 500.
sub unwritable {
    my ($srv, $what, $why, $token, $signin_fails, @codes) = @_;
    my @redeemed = map { exchange($srv, $_) } @codes;
    is(scalar(grep { $_->{status} == 503 } @redeemed), scalar @codes,
       "$what: every redemption answers 503");
    is($redeemed[0]{json}{error}, 'temporarily_unavailable', "$what: temporarily_unavailable");
    is($redeemed[0]{header}->('cache-control'), 'no-store', "$what: no-store");
    is($redeemed[0]{header}->('content-type'), 'application/json', "$what: JSON");

    my $signin = login($srv, consent => 'none');
    if ($signin_fails) {
        is($signin->{status}, 503, "$what: a sign-in answers 503");
        like($signin->{body}, qr/Sign-in is temporarily unavailable/, "$what: on the error page");
    } else {
        ok($signin->{status} == 200 || $signin->{status} == 503,
           "$what: a sign-in goes on or answers 503 ($signin->{status})");
    }

    is(api_call($srv, $token)->{status}, 200, "$what: bearer checks go on");

    # more failures than lines: each worker writes a cause at most every 10 s
    my $failures = 0;
    $failures += exchange($srv, $codes[0])->{status} == 503 for 1 .. 20;
    is($failures, 20, "$what: twenty more redemptions, twenty more 503s");
    select undef, undef, undef, 0.3;
    my $lines = () = $srv->error_log =~ /$why/g;
    ok($lines >= 1 && $lines <= 6, "$what: the log says why, not once a request ($lines lines)")
        or diag($srv->error_log);
    unlike($srv->error_log, qr/\[alert\]|\[crit\]|exited on signal/, "$what: nothing worse");
}

# the map full: 192 KiB, filled with codes and sign-in sessions
{
    my $n = start_nginx(http_config => http_config(map_size => '192k', grow => 0),
                        config => server_config(), workers => 2, users => ["$OWNER $PASSWORD"]);
    my $token = obtain_token($n);
    my @codes;
    for (1 .. 400) {
        my ($code, undef, $r) = eval { obtain_code($n) };
        last unless $code;
        push @codes, $code;
    }
    # the last ones in: the store is now full, codes waiting
    @codes = @codes[-3 .. -1];
    1 while login($n, consent => 'none')->{status} != 503;
    unwritable($n, 'the map full', qr/the store ".*" is full \(map_size 196608\); raise map_size/, $token, 1, @codes);
    $n->stop;
}

# the disk full: the store on a 2 MiB tmpfs, filled to the last block
{
    my $n = new_nginx(http_config => http_config(map_size => '64m', grow => 0),
                      config => server_config(), workers => 2, users => ["$OWNER $PASSWORD"]);
    my $disk = $n->prefix . '/disk';
    mkdir $disk or die "mkdir: $!";
    my $mounted = system('mount', '-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', $disk) == 0;
    ok($mounted, 'a 2 MiB tmpfs for the store (mount, as root)')
        or BAIL_OUT('cannot mount a tmpfs: this test needs root and mount(8)');
    my $unmount = sub { system('umount', $disk) if $mounted; $mounted = 0 };
    END { $unmount->() if $unmount }
    rmdir $n->store;
    symlink "$disk", $n->store or die "symlink: $!";
    # the harness's store path is the link; the tmpfs holds the files
    $n->start;
    my $token = obtain_token($n);
    my @codes = map { scalar obtain_code($n) } 1 .. 3;
    # fill what is left of the disk
    system("dd if=/dev/zero of=$disk/filler bs=4096 2>/dev/null");
    unwritable($n, 'the disk full', qr/the store ".*" cannot be written: its file system is full \(No space left on device\)/,
               $token, 0, @codes);
    # room again: it works again
    unlink "$disk/filler";
    is(exchange($n, scalar obtain_code($n))->{status}, 200, 'the disk has room again: redemptions work');
    $n->stop;
    $unmount->();
}

done_testing();
