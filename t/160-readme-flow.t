# README's "The flow by hand", literally: the demo started as `make run`
# starts it (on a free port, in a directory of its own), the URL it prints
# opened in Chromium and signed in with the owner it prints, then every
# command of that section's ```sh blocks run as written (the port and the
# CODE, ACCESS_TOKEN and REFRESH_TOKEN placeholders filled in), each
# checked against the "# ..." lines under it: every such line must match
# a line of the command's output, in order, where "…" stands for any text.
# So README and the module cannot drift apart again.
use utf8;
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;
use File::Temp ();
use IO::Socket::INET;
use JSON::PP ();

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $repo = $Test::Nginx::Seam::REPO;
my $python = '/usr/bin/python3';
my $README_PORT = 8080;

# ---------------------------------------------------------------- README

# The section's code blocks, as [command, [expected lines]] pairs.
sub readme_commands {
    open my $fh, '<:encoding(UTF-8)', "$repo/README.md" or die "README.md: $!\n";
    my $text = do { local $/; <$fh> };
    my ($section) = $text =~ /^### The flow by hand\n(.*?)^##/ms
        or die "README.md has no section \"The flow by hand\"\n";
    my @commands;
    while ($section =~ /^```sh\n(.*?)^```/msg) {
        my @lines = split /\n/, $1;
        while (@lines) {
            my $line = shift @lines;
            next if $line !~ /\S/;
            die "README flow: an expected line without its command: $line\n" if $line =~ /^#/;
            my $cmd = $line;
            $cmd .= "\n" . shift @lines while $cmd =~ /\\$/ && @lines;
            my @expect;
            push @expect, (shift @lines) =~ s/^#\s?//r while @lines && $lines[0] =~ /^#/;
            push @commands, [$cmd, \@expect];
        }
    }
    return @commands;
}

my @commands = readme_commands();
ok(@commands >= 7, 'README\'s "The flow by hand" has its commands (' . scalar(@commands) . ')');

# ---------------------------------------------------------------- the demo

sub two_free_ports {
    for (1 .. 50) {
        my $a = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                      Proto => 'tcp', Listen => 1) or next;
        my $port = $a->sockport;
        my $b = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port + 1,
                                      Proto => 'tcp', Listen => 1, ReuseAddr => 1) or next;
        return $port;
    }
    die "no two free ports in a row on 127.0.0.1\n";
}

my $dir = File::Temp->newdir('seam-readme-XXXXXX', TMPDIR => 1);
my $port = two_free_ports();
# what make run does, with the sanitizer builds when the harness has them
$ENV{SEAM_OAUTH_DEMO_DIR} = "$dir/run";
$ENV{SEAM_OAUTH_MODULE} = Test::Nginx::Seam::module_path();
$ENV{SEAM_OAUTH_CLI} = Test::Nginx::Seam::cli_path();
$ENV{NGINX_BIN} = Test::Nginx::Seam::nginx_binary();
my ($rc, $out, $err) = Test::Nginx::Seam::_run_capture(
    ['make', '-C', $repo, '--no-print-directory', '-s', 'run', "DEMO_PORT=$port"], '', 60);
my $stopped;
END { Test::Nginx::Seam::_run_capture(['make', '-C', $repo, '-s', 'stop'], '', 30) unless $stopped }

is($rc, 0, 'make run starts the demo') or diag("$out$err");
my ($url) = $out =~ /^\s*Sign in here:\s+(\S+)$/m;
my ($email) = $out =~ /^\s*Owner:\s+(\S+)$/m;
my ($password) = $out =~ /^\s*Password:\s+(.+?)\s*$/m;
like($url, qr{^http://127\.0\.0\.1:$port/authorize\?}, 'it prints the URL to open');
ok(defined $email && defined $password, 'and the owner to sign in as');

# ---------------------------------------------------------------- sign in

my ($src, $json) = Test::Nginx::Seam::_run_capture(
    [$python, "$repo/t/clients/readme_signin.py", '--url', $url // '', '--email', $email // '',
     '--password', $password // '', '--count', 2, '--tmp', "$dir"], '', 90);
my $signin = eval { JSON::PP::decode_json($json) } // { error => "no JSON: $json" };
is($src, 0, 'Chromium signs in through the printed URL and chooses Allow')
    or diag($signin->{error});
my @codes;
for my $to (@{ $signin->{urls} || [] }) {
    like($to, qr{^https://demo\.integrations\.getseam\.com/oauth/callback\?session=demo&code=[A-Za-z0-9_-]{51}&state=demo-state(?:&|$)},
         'the browser is sent to the redirect_uri README names, with a code and the state');
    my (undef, $q) = parse_location($to);
    push @codes, $q->{code};
}
is(scalar @codes, 2, 'two sign-ins, two codes (README uses a fresh one for the JSON body)');

# ---------------------------------------------------------------- the commands

my %fill = (CODE => shift @codes);
for my $c (@commands) {
    my ($cmd, $expect) = @$c;
    (my $run = $cmd) =~ s/127\.0\.0\.1:$README_PORT/127.0.0.1:$port/g;
    for my $name (qw(ACCESS_TOKEN REFRESH_TOKEN CODE)) {
        $run =~ s/\b$name\b/$fill{$name} \/\/ "(no $name yet)"/ge;
    }
    my ($crc, $cout, $cerr) = Test::Nginx::Seam::_run_capture(['bash', '-c', $run], '', 30);
    my $title = (split /\n/, $cmd)[0] =~ s/\s*\\$//r;
    is($crc, 0, "README: $title: runs") or diag($cerr);
    my @got = map { s/\r$//r } split /\n/, $cout;
    my $at = 0;
    for my $line (@$expect) {
        (my $want = $line) =~ s/127\.0\.0\.1:$README_PORT/127.0.0.1:$port/g;
        my $re = join '.*', map { quotemeta } split /…/, $want, -1;
        my $found;
        while ($at < @got) {
            if ($got[$at++] =~ /^$re$/) { $found = 1; last }
        }
        ok($found, "README: $title: prints \"$line\"") or diag("it printed:\n$cout");
    }
    # what a later command needs: the tokens of a token answer, and a
    # fresh code once this one is used
    if ($cout =~ /^\{"access_token"/ && (my $t = eval { JSON::PP::decode_json($cout) })) {
        $fill{ACCESS_TOKEN} //= $t->{access_token};
        $fill{REFRESH_TOKEN} //= $t->{refresh_token};
        $fill{CODE} = shift @codes if $run =~ /\bcode=|"code"/;
    }
}

($rc, $out, $err) = Test::Nginx::Seam::_run_capture(['make', '-C', $repo, '-s', 'stop'], '', 30);
$stopped = 1;
like($out, qr/^stopped nginx \(pid \d+\)$/m, 'make stop stops it');
my $log = Test::Nginx::Seam::_slurp("$dir/run/error.log");
unlike($log, qr/\[(?:alert|crit|emerg)\]/, 'the demo logged no [alert], [crit] or [emerg]');

done_testing();
