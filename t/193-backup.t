# seam-oauth backup, restore and verify (security.md L8, L10), and grant
# list's filters and JSON. Before, the only backup was mdb_copy's: a copy
# of every secret hash left as the umask made it (0644, root's), and
# nothing put one back or said whether a store was sound.
#
# A backup is taken while two workers answer a storm of code redemptions;
# the store is restored from it with nginx stopped, and every token whose
# 200 answer came before the backup began works again, while one answered
# after the backup ended does not (the restore really replaced the data).
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;
use Digest::SHA qw(sha256_hex);
use File::Temp ();
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(time sleep);

my $nobody = getpwnam('nobody') // die 'no user nobody';
my ($group) = grep { defined getgrnam($_) } qw(nogroup nobody);
my $nogroup = getgrnam($group);

ok(-x lock_holder(), 'the lock holder is built (make prove builds it)') or BAIL_OUT('no lock holder');

sub slurp { Test::Nginx::Seam::_slurp($_[0]) }
sub spit  { Test::Nginx::Seam::_spit(@_) }
sub digest { sha256_hex(slurp($_[0])) }

# The workers run as nobody, as nginx's own user would be: the CLI, run as
# root, must leave every file it makes to the store directory's owner.
my $n = new_nginx(http_config => http_config(), config => server_config(),
                  workers => 2, run_as => "nobody $group",
                  users => ["$OWNER $PASSWORD"]);
chmod 0755, $n->prefix or die "chmod: $!";
chown $nobody, $nogroup, $n->store or die "chown: $!";
$n->start;

# Codes to redeem, from one sign-in: its session skips the password, and
# the consent is answered each time.
my $session = login($n, consent => 'none')->{cookie};
my @codes = map { scalar obtain_code($n, cookie => $session) } 1 .. 600;
is(scalar(grep { defined && length } @codes), 600, '600 codes issued');

# The storm: eight clients redeem them in parallel, each answer written
# at once with when it was sent and when its answer came.
my $dir = File::Temp->newdir;
my $clients = 8;
my @kids;
for my $k (0 .. $clients - 1) {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open my $fh, '>', "$dir/storm$k" or POSIX::_exit(1);
        $fh->autoflush(1);
        for (my $i = $k; $i < @codes; $i += $clients) {
            my $sent = time;
            my $r = eval { exchange($n, $codes[$i]) } || {};
            my $answered = time;
            printf {$fh} "%.6f %.6f %s %s\n", $sent, $answered, $r->{status} // 'none',
                $r->{json}{access_token} // '-';
        }
        close $fh;
        POSIX::_exit(0);
    }
    push @kids, $pid;
}
sub answered { my $n = 0; $n += () = slurp("$dir/storm$_") =~ /\n/g for 0 .. $clients - 1; $n }
my $deadline = time + 30;
sleep 0.005 while answered() < 150 && time < $deadline;

my $backups = File::Temp->newdir;
my $backup = "$backups/seam-oauth.mdb";
my $began = time;
my ($rc, $out, $err) = cli($n, 'backup', $backup);
my $ended = time;
waitpid $_, 0 for @kids;

is($rc, 0, 'backup during the storm') or diag($err);
like($out, qr/^backed up the store "\Q${\ $n->store }\E" to "\Q$backup\E": \d+ records in 9 tables, \d+ bytes, verified$/,
     'it says what it wrote');
my @answers = map { [split / /] } map { split /\n/, slurp("$dir/storm$_") } 0 .. $clients - 1;
is(scalar(@answers), 600, 'every redemption was answered');
is(scalar(grep { $_->[2] ne '200' } @answers), 0, 'every redemption got 200')
    or diag(join "\n", map { "@$_" } grep { $_->[2] ne '200' } @answers);
my @before = grep { $_->[1] < $began } @answers;
my @during = grep { $_->[1] > $began && $_->[0] < $ended } @answers;
my @after = grep { $_->[0] > $ended } @answers;
note(sprintf 'answered before the backup %d, during %d, after %d; the backup took %.0f ms',
     scalar @before, scalar @during, scalar @after, ($ended - $began) * 1000);
ok(@before >= 100, 'redemptions answered before the backup began');
ok(@during >= 1, 'redemptions were answered while the backup ran: it did not hold the writers up');
ok(@after >= 1, 'and after it ended');

my @st = stat $backup;
is($st[2] & 07777, 0600, 'the backup is mode 0600');
is($st[4], $nobody, 'and belongs to the store directory\'s owner (nobody)');
is($st[5], $nogroup, 'and its group');
opendir my $dh, "$backups" or die;
is_deeply([sort grep { !/^\.\.?$/ } readdir $dh], ['seam-oauth.mdb'], 'no temporary file is left beside it');

my $sum = digest($backup);
($rc, $out, $err) = cli($n, 'backup', $backup);
is($rc, 1, 'a backup over an existing file is refused');
like($err, qr/"\Q$backup\E" exists: give a new name, or --force to replace it/, 'and says what to do');
is(digest($backup), $sum, 'and the existing backup is as it was');
my $second = "$backups/second.mdb";
spit($second, 'an old backup');
($rc, $out, $err) = cli($n, 'backup', '--force', $second);
is($rc, 0, 'backup --force replaces a file') or diag($err);
isnt(slurp($second), 'an old backup', 'it did');

# never into the store directory: --force onto the live data.mdb or
# lock.mdb would rename a copy over files the workers have open
my %inode = map { ($_ => (stat $n->store . "/$_")[1]) } qw(data.mdb lock.mdb);
for my $file (qw(data.mdb lock.mdb new.mdb)) {
    my $dest = $n->store . "/$file";
    ($rc, $out, $err) = cli($n, 'backup', '--force', $dest);
    is($rc, 1, "backup --force into the store directory ($file): refused");
    like($err, qr/"\Q$dest\E" is in the store directory .*a backup goes elsewhere/, "$file: it says so");
}
is_deeply({ map { ($_ => (stat $n->store . "/$_")[1]) } qw(data.mdb lock.mdb) }, \%inode,
          'data.mdb and lock.mdb are the same files');
ok(!-e $n->store . '/new.mdb', 'and nothing was added beside them');
is(api_call($n, $after[-1][3])->{status}, 200, 'the workers go on answering');

# verify, on the running store and on the backup
($rc, $out, $err) = cli($n, 'verify');
is($rc, 0, 'verify: the running store is sound') or diag("$out$err");
like($out, qr/^sound: the store "\Q${\ $n->store }\E", \d+ records in 9 tables$/m, 'verify says so');
($rc, $out, $err) = cli($n, 'verify', '--file', $backup);
is($rc, 0, 'verify --file: the backup is sound') or diag("$out$err");
my ($backed_tokens) = $out =~ /^tokens\s+(\d+)$/m;
ok(defined $backed_tokens && $backed_tokens >= @before,
   'the backup counts at least as many tokens as were answered before it began')
    or diag($out);

# refused while nginx has the store open; the store untouched
my $live_inode = (stat $n->store . '/data.mdb')[1];
($rc, $out, $err) = cli($n, 'restore', $backup);
is($rc, 1, 'restore while nginx runs: refused');
like($err, qr/the store "\Q${\ $n->store }\E" is open in process \d+ \(nginx: worker process\): stop nginx \(and any seam-oauth using the store\) before a restore; the store was not touched/,
     'it names the nginx worker that has the store open');
is((stat $n->store . '/data.mdb')[1], $live_inode, 'data.mdb is the same file');
is(api_call($n, $after[-1][3])->{status}, 200, 'a token of after the backup still works');

$n->stop;

# refused while another process has it open (as a seam-oauth would)
my $holder = hold_lock($n->store, 2);
($rc, $out, $err) = cli($n, 'restore', $backup);
is($rc, 1, 'restore while another process has the store open: refused');
like($err, qr/is open in process $holder \(\S*seam-test-hold /, 'that process is named');
waitpid $holder, 0;

# damaged copies of the backup: the restore refuses each, verify says why
my $bytes = slurp($backup);
my $uid = (split /\t/, (cli($n, 'user', 'list'))[1])[1];
my $record = "\x05\x02" . chr(length $uid) . $uid;
# the owner's record with its password hash's length past the record's end
(my $damaged = $bytes) =~ s/\Q$record\E\K./\x7f/gs or die "no owner record in the backup";
spit("$dir/damaged.mdb", $damaged);
spit("$dir/cut.mdb", substr($bytes, 0, length($bytes) / 2));
spit("$dir/text.mdb", "not a backup\n" x 1000);
my $store_sum = digest($n->store . '/data.mdb');
for my $case (['damaged.mdb', qr/users "\Q$OWNER\E": a damaged record of an owner account/],
              ['cut.mdb', qr/it is cut short: \d+ bytes, where its last commit needs \d+/],
              ['text.mdb', qr/it is not an LMDB file/]) {
    my ($file, $why) = @$case;
    ($rc, $out, $err) = cli($n, 'restore', "$dir/$file");
    is($rc, 1, "restore of $file: refused");
    like($err, qr/"\Q$dir\/$file\E" is not a sound backup; the store was not touched/, "$file: it says so");
    like($err, $why, "$file: and why");
    is(digest($n->store . '/data.mdb'), $store_sum, "$file: the store is untouched");
    ($rc, $out, $err) = cli($n, 'verify', '--file', "$dir/$file");
    is($rc, 1, "verify --file $file: not sound");
    like($out, $why, "verify --file $file: why");
}
like((cli($n, 'verify', '--file', "$dir/damaged.mdb"))[1], qr/^users\s+1 \(1 damaged\)\n.*^not sound: the file "[^"]+", 1 of \d+ records damaged$/ms,
     'verify counts the damaged record in its table');

# verify on the store itself, damaged in place, then on one cut short
my $data = $n->store . '/data.mdb';
my $live = slurp($data);
(my $broken = $live) =~ s/\Q$record\E\K./\x7f/gs or die "no owner record in the store";
spit($data, $broken);
($rc, $out, $err) = cli($n, 'verify');
is($rc, 1, 'verify: a store with a damaged record is not sound');
like($out, qr/^  users "\Q$OWNER\E": a damaged record of an owner account/m, 'verify names it');
truncate $data, length($live) / 4 or die "truncate: $!";
($rc, $out, $err) = cli($n, 'verify');
is($rc, 1, 'verify: a store cut short is not sound');
like($out, qr/^not sound: the store file "\Q$data\E": it is cut short: .*restore it from a backup/m, 'verify says so');

# the restore, nginx stopped; a refused one writes no audit line
my $audit = "$dir/audit.log";
($rc) = cli($n, '--audit-log', $audit, 'restore', "$dir/cut.mdb");
is($rc, 1, 'a refused restore, audited');
ok(!-s $audit, 'writes no audit line');
my $before_restore = digest($data);
($rc, undef, $err) = cli($n, '--audit-log', "$dir/no/such/dir/audit.log", 'restore', $backup);
is($rc, 1, 'a restore whose audit log cannot be opened: refused');
like($err, qr/cannot open the audit log .*nothing was changed/, 'it says so');
is(digest($data), $before_restore, 'and the store is untouched');
($rc, $out, $err) = cli($n, '--audit-log', $audit, 'restore', $backup);
is($rc, 0, 'restore with nginx stopped') or diag($err);
like($out, qr/^restored the store "\Q${\ $n->store }\E" from "\Q$backup\E": \d+ records in 9 tables; start nginx$/, 'it says what it did');
my @audited = map { JSON::PP::decode_json($_) } split /\n/, (-e $audit ? slurp($audit) : '');
is(scalar(@audited), 1, 'the restore wrote one audit line');
is_deeply([map { [@$_{qw(event source)}] } @audited], [['store_restored', 'cli']],
          'store_restored, from the CLI') or diag(explain \@audited);
ok(length($audited[0]{operator} // ''), 'with who ran it');
is(digest($data), $sum, 'data.mdb is the backup');
@st = stat $data;
is($st[2] & 07777, 0600, 'data.mdb is mode 0600');
is($st[4], $nobody, 'and nobody\'s');
@st = stat $n->store . '/lock.mdb';
is($st[7], 0, 'lock.mdb is fresh (empty: the next open starts its lock table anew)');
is($st[4], $nobody, 'and nobody\'s');

$n->restart;
my @dead = grep { api_call($n, $_->[3])->{status} != 200 } @before;
is(scalar(@dead), 0, 'every token answered before the backup began works after the restore')
    or diag(scalar(@dead) . ' of ' . scalar(@before) . ' do not');
is(api_call($n, $after[-1][3])->{status}, 401, 'a token of after the backup does not: the data is the backup\'s');
(undef, $out) = cli($n, 'stats');
my ($tokens) = $out =~ /^tokens\s+(\d+)$/m;
ok($tokens >= @before, "the store holds at least as many tokens ($tokens) as were answered before the backup");
($rc, $out) = cli($n, 'verify');
is($rc, 0, 'verify: the restored store is sound');
$n->stop;
$n->assert_clean_log('the storm, the backup and the restore');

# grant list: by owner (e-mail or user_id), by client, as JSON
my $g = start_nginx(http_config => http_config(), config => server_config(),
                    users => ["$OWNER $PASSWORD", "second\@example.com $PASSWORD"]);
my %C1 = (client_id => 'c1', response_type => 'code', redirect_uri => 'https://integrations.getseam.com/cb');
my $first = exchange($g, scalar obtain_code($g))->{json};
my $c1 = exchange($g, undef, fields => [grant_type => 'authorization_code',
                                        code => scalar(obtain_code($g, params => [%C1, state => 's'])),
                                        redirect_uri => $C1{redirect_uri},
                                        client_id => 'c1', client_secret => 'c1secret'])->{json};
my $other = exchange($g, scalar obtain_code($g, email => 'second@example.com'))->{json};
ok($first->{access_token} && $c1->{access_token} && $other->{access_token}, 'three grants made')
    or diag(explain [$first, $c1, $other]);

sub lines { my @r = cli($g, 'grant', 'list', @_); return ($r[0], [sort split /\n/, $r[1]]) }
my ($lrc, $all) = lines();
is(scalar(@$all), 3, 'grant list: three lines');
my %row = map { my @f = split /\t/; ($f[0] => \@f) } @$all;
my @by_owner = grep { $_->[2] eq $OWNER } values %row;
is(scalar(@by_owner), 2, 'two of them the first owner\'s');
is_deeply([lines('--user', $OWNER)], [0, [sort map { join "\t", @$_ } @by_owner]],
          '--user EMAIL: that owner\'s lines, as grant list prints them');
is_deeply([lines('--user', $other->{user_id})], [0, [grep { /\tsecond\@example\.com\t/ } @$all]],
          '--user USER_ID: that owner\'s');
is_deeply([lines('--client', 'c1')], [0, [grep { /^\w+\tc1\t/ } @$all]], '--client c1: the grant of c1');
is_deeply([lines('--user', $OWNER, '--client', 'seam')], [0, [grep { /^\w+\tseam\t\Q$OWNER\E\t/ } @$all]],
          '--user and --client together');
is_deeply([lines('--user', 'nobody@example.com')], [0, []], 'an owner with no grant: nothing');
is((cli($g, 'grant', 'list', '--client'))[0], 2, 'a filter without its value: the usage, exit 2');

($rc, $out, $err) = cli($g, 'grant', 'list', '--json');
is($rc, 0, '--json');
my $doc = eval { JSON::PP::decode_json($out) };
is(ref $doc, 'ARRAY', '--json: one JSON array') or diag($out);
is_deeply({ map { ($_->{grant_id} => [@$_{qw(grant_id client_id)}, $_->{email} // '-', $_->{user_id},
                                      $_->{scope} eq '' ? '-' : $_->{scope}, $_->{created_at},
                                      "$_->{live_tokens} live token(s)"]) } @{ $doc || [] } },
          \%row, '--json: each grant with the fields and values of its line');
like($out, qr/"live_tokens":\d+[,}]/, '--json: live_tokens is a number');
unlike($out, qr/"live_tokens":"/, '--json: not a string');
$doc = JSON::PP::decode_json((cli($g, 'grant', 'list', '--json', '--client', 'c1'))[1]);
is_deeply([map { [$_->{client_id}, $_->{email}, $_->{user_id}] } @$doc], [['c1', $OWNER, $c1->{user_id}]],
          '--json --client c1');
is((cli($g, 'grant', 'list', '--json', '--user', 'nobody@example.com'))[1], "[]\n", '--json with nothing: []');
$g->stop;
$g->assert_clean_log('grant list');

done_testing();
