# A store nginx cannot use is refused before any worker maps it
# (security.md L1, L6): `nginx -t` and the start fail with one line that
# says what to do, and no worker starts, exits or crashes for it. Before,
# a truncated data.mdb crash-looped the workers (SIGBUS), an empty one
# silently became an empty store, and a store nginx's user could not open
# left the master running with no workers.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;
use Fcntl qw(SEEK_SET);

my $http = http_config();
my $config = server_config();

sub emerg_lines {
    my ($text) = @_;
    return grep { /\[emerg\]/ } split /\n/, $text;
}

# A store with owners and a grant, made by a server that is gone.
sub used_store {
    my ($srv) = @_;
    my $n = start_nginx(http_config => $http, config => $config, users => ["$OWNER $PASSWORD"]);
    obtain_token($n);
    $n->stop;
    system('cp', '-a', $n->store . '/.', $srv->store) == 0 or die "cp: $?";
}

# Each case: what is done to the store, and the line nginx must give.
my @cases = (
    [ 'data.mdb truncated to nothing', sub {
          truncate $_[0] . '/data.mdb', 0 or die "truncate: $!" },
      qr/seam_oauth: the store file ".*\/data\.mdb": it is empty: restore it from a backup, or remove data\.mdb and lock\.mdb to start an empty store/ ],
    [ 'data.mdb cut to half of what its commits use', sub {
          my (undef, $stats) = cli($_[0], 'stats');
          my ($used) = $stats =~ /^used\s+(\d+) bytes/m or die "no stats: $stats";
          truncate $_[0] . '/data.mdb', int($used / 2) or die "truncate: $!" },
      qr/seam_oauth: the store file ".*\/data\.mdb": it is cut short: \d+ bytes, where its last commit needs \d+; restore it from a backup/ ],
    [ 'data.mdb with a garbage first meta page', sub {
          open my $fh, '+<', $_[0] . '/data.mdb' or die; print {$fh} "\xAB" x 4096; close $fh },
      qr/seam_oauth: the store file ".*\/data\.mdb": it is not an LMDB file/ ],
    [ 'data.mdb with a garbage second meta page', sub {
          open my $fh, '+<', $_[0] . '/data.mdb' or die; seek $fh, 4096, SEEK_SET; print {$fh} "\0" x 4096; close $fh },
      qr/seam_oauth: the store file ".*\/data\.mdb": it is not an LMDB file/ ],
    [ 'a file where the store directory should be', sub {
          system('rm', '-rf', $_[0]); open my $fh, '>', $_[0] or die; print {$fh} "x"; close $fh },
      qr/seam_oauth: the store ".*\/store" is not a directory/ ],
);

for my $case (@cases) {
    my ($what, $damage, $line) = @$case;
    my $srv = new_nginx(http_config => $http, config => $config);
    used_store($srv);
    $damage->($srv->store);

    my ($rc, $out) = $srv->test_config;
    isnt($rc, 0, "$what: nginx -t fails");
    like($out, $line, "$what: and says why");
    ok(!eval { $srv->start; 1 }, "$what: nginx does not start");
    my @emerg = emerg_lines($srv->error_log);
    is(scalar(grep { /seam_oauth/ } @emerg), 2, "$what: one line each time (nginx -t, the start)")
        or diag(join "\n", @emerg);
    unlike($srv->error_log, qr/exited on signal|SIGBUS/, "$what: no worker crashed");
}

# Workers that run as another user (nobody): a store root made that they
# cannot open is refused; a missing one is made for them.
my $nobody = getpwnam('nobody') // die 'no user nobody';
my ($group) = grep { defined getgrnam($_) } qw(nogroup nobody);
sub open_prefix { chmod 0755, $_[0]->prefix or die "chmod: $!" }

my @owned = (
    [ 'a store directory root made', sub { },
      qr/seam_oauth: the store directory ".*\/store" is owned by root \(mode 0\d+\); nginx's user nobody cannot use it: chown it to nobody/ ],
    [ 'a lock file root made', sub {
          chown $nobody, -1, $_[0], "$_[0]/data.mdb" or die "chown: $!" },
      qr/seam_oauth: the store file ".*\/store\/lock\.mdb" is owned by root \(mode 0600\); nginx's user nobody cannot use it/ ],
);
for my $case (@owned) {
    my ($what, $fix, $line) = @$case;
    my $srv = new_nginx(http_config => $http, config => $config, run_as => "nobody $group");
    open_prefix($srv);
    used_store($srv);
    $fix->($srv->store);
    my ($rc, $out) = $srv->test_config;
    isnt($rc, 0, "$what: nginx -t fails for user nobody");
    like($out, $line, "$what: and says why");
    ok(!eval { $srv->start; 1 }, "$what: nginx does not start");
}

# a store whose parent nobody may not write: the master makes it and
# hands it to nobody, as nginx does with its temporary paths
my $srv = new_nginx(http_config => $http, config => $config, run_as => "nobody $group");
open_prefix($srv);
rmdir $srv->store or die "rmdir: $!";
chmod 0555, $srv->prefix;
my ($rc, $out) = $srv->test_config;
is($rc, 0, 'a missing store under a closed parent: nginx -t passes') or diag($out);
ok(eval { $srv->start; 1 }, 'and nginx starts') or diag($@);
my @st = stat $srv->store;
is($st[4], $nobody, 'the store directory is nobody\'s');
is($st[2] & 07777, 0700, 'mode 0700');
is(http($srv, 'GET', '/intercoms')->{status}, 401, 'the workers serve');
$srv->stop;
chmod 0755, $srv->prefix;
like($srv->error_log, qr/store ".*" open/, 'a worker opened it');

# A new store and several workers: the master makes it before they start,
# so that none finds the data.mdb a sibling is still creating (empty for
# an instant) and takes it for a damaged one. Each start is a fresh store.
my @raced;
for my $i (1 .. 15) {
    my $n = new_nginx(http_config => $http, config => $config, workers => 4,
                      run_as => "nobody $group");
    open_prefix($n);
    rmdir $n->store or die "rmdir: $!";
    if (!eval { $n->start; 1 }) {
        push @raced, "start $i: $@";
        next;
    }
    for my $p (qw(data.mdb lock.mdb)) {
        push @raced, "start $i: $p is not nobody's" unless ((stat $n->store . "/$p")[4] // -1) == $nobody;
    }
    push @raced, "start $i: " . join("\n", emerg_lines($n->error_log)) if emerg_lines($n->error_log);
    push @raced, "start $i: no answer" unless http($n, 'GET', '/intercoms')->{status} == 401;
    $n->stop;
}
is_deeply(\@raced, [], 'a new store, four workers at once, 15 times: all of them up, files nobody\'s, no [emerg]');

# A store the CLI made (LMDB's own growth, no room written ahead): the
# first workers to open it grow it and commit while their siblings check
# data.mdb, which must read a file at least as long as the commit it
# reads about.
my @grown;
for my $i (1 .. 15) {
    my $n = new_nginx(http_config => $http, config => $config, workers => 4,
                      users => ["$OWNER $PASSWORD"]);
    if (!eval { $n->start; 1 }) {
        push @grown, "start $i: $@";
        next;
    }
    push @grown, "start $i: " . join("\n", emerg_lines($n->error_log)) if emerg_lines($n->error_log);
    $n->stop;
}
is_deeply(\@grown, [], 'a store the CLI made, four workers at once, 15 times: all of them up, no [emerg]');

# The CLI run as root leaves files nginx's user can open: they belong to
# the directory's owner; a store it would make from nothing needs --owner.
my $dir = File::Temp->newdir;
chmod 0755, "$dir";
mkdir "$dir/s", 0700;
chown $nobody, -1, "$dir/s";
($rc, $out, my $err) = cli("$dir/s", 'user', 'add', $OWNER, { stdin => "$PASSWORD\n" });
is($rc, 0, 'CLI as root on a store of nobody\'s') or diag($err);
is((stat "$dir/s/$_")[4], $nobody, "CLI: $_ is nobody's") for qw(data.mdb lock.mdb);
($rc, $out, $err) = cli("$dir/new", 'user', 'list');
isnt($rc, 0, 'CLI as root on a store that does not exist: refused');
like($err, qr/does not exist; run as root, say which user nginx's workers run as \(--owner www-data\)/,
     'and says what to do');
ok(!-e "$dir/new", 'nothing was made');
($rc, $out, $err) = Test::Nginx::Seam::_run_capture(
    [Test::Nginx::Seam::cli_path(), '--store', "$dir/new", '--owner', 'nobody', 'user', 'list']);
is($rc, 0, 'with --owner nobody: made') or diag($err);
is((stat "$dir/new/$_")[4], $nobody, "--owner: $_ is nobody's") for '', 'data.mdb', 'lock.mdb';

done_testing();
