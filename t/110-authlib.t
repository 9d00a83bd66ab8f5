# The flow driven by a real OAuth client library: Authlib from Debian
# (python3-authlib, run with /usr/bin/python3). The script prints TAP; each
# of its lines becomes a test here.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

my $python = '/usr/bin/python3';
my $script = "$Test::Nginx::Seam::REPO/t/clients/authlib_flow.py";

my $n = start_nginx(http_config => http_config(extra => <<'C'),
seam_oauth_client lib secret=libsecret redirect=https://app.example/callback
                  "scope=intercoms:read intercoms:unlock" pkce=required;
C
    config => server_config(), workers => 2, users => ["$OWNER $PASSWORD"]);

my $base = 'http://127.0.0.1:' . $n->port;
open my $out, '-|', $python, $script, $base, $OWNER, $PASSWORD
    or die "cannot run $python: $!";
my ($seen, $planned) = (0, undef);
while (my $line = <$out>) {
    chomp $line;
    if ($line =~ /^(not )?ok \d+ - (.*)$/) {
        ok(!$1, "authlib: $2");
        $seen++;
    } elsif ($line =~ /^1\.\.(\d+)$/) {
        $planned = $1;
    } else {
        diag($line);
    }
}
close $out;
is($?, 0, 'authlib: the script exited cleanly');
ok($seen > 0 && defined $planned && $seen == $planned, "authlib: the script ran all its checks ($seen)");
$n->stop;
$n->assert_clean_log;
done_testing();
