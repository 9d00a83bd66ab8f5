# README's "The flow by hand" and "With the device cloud's own accounts",
# literally: the demo started as `make run` starts it (on free ports, in a
# directory of its own; the second section's `make run LOGIN=device-cloud`
# as it is written there, and what that section shows it printing checked
# against what it printed), the URL it prints opened in Chromium and signed
# in with the account it prints, then every command of the section's
# ```sh blocks run as written (the ports and the CODE, ACCESS_TOKEN and
# REFRESH_TOKEN placeholders filled in), each checked against the "# ..."
# lines under it: every such line must match a line of the command's
# output, in order, where "…" stands for any text. So README and the
# module cannot drift apart again.
use utf8;
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;
use Test::Nginx::Readme;
use File::Temp ();
use IO::Socket::INET;
use JSON::PP ();

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $repo = $Test::Nginx::Seam::REPO;
my $python = '/usr/bin/python3';
my $README_PORT = 8080;

# ---------------------------------------------------------------- README

# ---------------------------------------------------------------- the demo

sub free_ports_in_a_row {
    my ($n) = @_;
    TRY: for (1 .. 50) {
        my @held;
        my $first = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                          Proto => 'tcp', Listen => 1) or next;
        my $port = $first->sockport;
        push @held, $first;
        for my $i (1 .. $n - 1) {
            push @held, IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port + $i,
                                              Proto => 'tcp', Listen => 1, ReuseAddr => 1)
                // next TRY;
        }
        return $port;
    }
    die "no $n free ports in a row on 127.0.0.1\n";
}

# the demo directory a failed test left running, stopped at the end (only
# that one: never the developer's own run/)
my $running;
END {
    if ($running) {
        local $ENV{SEAM_OAUTH_DEMO_DIR} = $running;
        Test::Nginx::Seam::_run_capture(['make', '-C', $repo, '-s', 'stop'], '', 30);
    }
}

# Follows one section: the demo started by `make @make_args`, signed in
# in Chromium with the account it prints, then the section's commands.
sub follow {
    my ($title, $commands, @make_args) = @_;
    my $dir = File::Temp->newdir('seam-readme-XXXXXX', TMPDIR => 1);
    my $port = free_ports_in_a_row(3);
    my %ports = ($README_PORT => $port, $README_PORT + 1 => $port + 1,
                 $README_PORT + 2 => $port + 2);
    # what make run does, with the sanitizer builds when the harness has them
    local $ENV{SEAM_OAUTH_DEMO_DIR} = "$dir/run";
    local $ENV{SEAM_OAUTH_MODULE} = Test::Nginx::Seam::module_path();
    local $ENV{SEAM_OAUTH_CLI} = Test::Nginx::Seam::cli_path();
    local $ENV{NGINX_BIN} = Test::Nginx::Seam::nginx_binary();
    my ($rc, $out, $err) = Test::Nginx::Seam::_run_capture(
        ['make', '-C', $repo, '--no-print-directory', '-s', @make_args, "DEMO_PORT=$port"], '', 60);
    $running = "$dir/run";
    is($rc, 0, "$title: make @make_args starts the demo") or diag("$out$err");
    my ($url) = $out =~ /^\s*Sign in here:\s+(\S+)$/m;
    my ($email) = $out =~ /^\s*(?:Owner|Account):\s+(\S+)/m;
    my ($password) = $out =~ /^\s*Password:\s+(.+?)\s*$/m;
    like($url, qr{^http://127\.0\.0\.1:$port/authorize\?}, "$title: it prints the URL to open");
    ok(defined $email && defined $password, "$title: and the account to sign in with");

    my ($src, $json) = Test::Nginx::Seam::_run_capture(
        [$python, "$repo/t/clients/readme_signin.py", '--url', $url // '', '--email', $email // '',
         '--password', $password // '', '--count', 2, '--tmp', "$dir"], '', 90);
    my $signin = eval { JSON::PP::decode_json($json) } // { error => "no JSON: $json" };
    is($src, 0, "$title: Chromium signs in through the printed URL and chooses Allow")
        or diag($signin->{error});
    my @codes;
    for my $to (@{ $signin->{urls} || [] }) {
        like($to, qr{^https://demo\.integrations\.getseam\.com/oauth/callback\?session=demo&code=[A-Za-z0-9_-]{51}&state=demo-state(?:&|$)},
             "$title: the browser is sent to the redirect_uri README names, with a code and the state");
        my (undef, $q) = parse_location($to);
        push @codes, $q->{code};
    }
    is(scalar @codes, 2, "$title: two sign-ins, two codes (README may use a fresh one)");

    my %fill = (CODE => shift @codes);
    for my $c (@$commands) {
        my ($cmd, $expect) = @$c;
        my $run = $cmd =~ s/127\.0\.0\.1:(\d+)/"127.0.0.1:" . ($ports{$1} \/\/ $1)/ger;
        # the demo's files are in its own directory here
        $run =~ s{(?<![\w/])run/}{$dir/run/}g;
        for my $name (qw(ACCESS_TOKEN REFRESH_TOKEN CODE)) {
            $run =~ s/\b$name\b/$fill{$name} \/\/ "(no $name yet)"/ge;
        }
        my ($crc, $cout, $cerr) = Test::Nginx::Seam::_run_capture(['bash', '-c', $run], '', 30);
        my $first = (split /\n/, $cmd)[0] =~ s/\s*\\$//r;
        is($crc, 0, "README: $first: runs") or diag($cerr);
        prints_ok($cout, $expect, $first, \%ports);
        # what a later command needs: the tokens of a token answer, and a
        # fresh code once this one is used
        if ($cout =~ /^\{"access_token"/ && (my $t = eval { JSON::PP::decode_json($cout) })) {
            $fill{ACCESS_TOKEN} //= $t->{access_token};
            $fill{REFRESH_TOKEN} //= $t->{refresh_token};
            $fill{CODE} = shift @codes if $run =~ /\bcode=|"code"/;
        }
    }

    ($rc, $out, $err) = Test::Nginx::Seam::_run_capture(['make', '-C', $repo, '-s', 'stop'], '', 30);
    $running = 0;
    like($out, qr/^stopped nginx \(pid \d+\)$/m, "$title: make stop stops it");
    my $log = Test::Nginx::Seam::_slurp("$dir/run/error.log");
    unlike($log, qr/\[(?:alert|crit|emerg)\]/, "$title: the demo logged no [alert], [crit] or [emerg]");
    return ($out, $dir);
}

# ---------------------------------------------------------------- the store's accounts

my ($commands) = readme_commands(readme_section('The flow by hand', 3));
ok(@$commands >= 7, 'README\'s "The flow by hand" has its commands (' . scalar(@$commands) . ')');
follow('the flow by hand', $commands, 'run');

# ---------------------------------------------------------------- the device cloud's

my ($cloud, $printed) = readme_commands(readme_section("With the device cloud's own accounts", 3));
my $start = shift @$cloud;
is($start->[0], 'make run LOGIN=device-cloud', 'the section starts the demo with make run LOGIN=device-cloud');
ok(@$cloud >= 2, 'and has its commands (' . scalar(@$cloud) . ')');
ok(@$printed >= 3, 'and shows what make run prints (' . scalar(@$printed) . ' lines)');
my @make = split ' ', $start->[0];
shift @make;    # "make"
# what README shows make run printing, checked against what it printed
{
    my $dir = File::Temp->newdir('seam-readme-XXXXXX', TMPDIR => 1);
    my $port = free_ports_in_a_row(3);
    local $ENV{SEAM_OAUTH_DEMO_DIR} = "$dir/run";
    local $ENV{SEAM_OAUTH_MODULE} = Test::Nginx::Seam::module_path();
    local $ENV{SEAM_OAUTH_CLI} = Test::Nginx::Seam::cli_path();
    local $ENV{NGINX_BIN} = Test::Nginx::Seam::nginx_binary();
    my ($rc, $out) = Test::Nginx::Seam::_run_capture(
        ['make', '-C', $repo, '--no-print-directory', '-s', @make, "DEMO_PORT=$port"], '', 60);
    $running = "$dir/run";
    is($rc, 0, "$start->[0] starts");
    prints_ok($out, $printed, $start->[0],
              { $README_PORT => $port, $README_PORT + 1 => $port + 1, $README_PORT + 2 => $port + 2 });
    Test::Nginx::Seam::_run_capture(['make', '-C', $repo, '-s', 'stop'], '', 30);
    $running = 0;
}
my ($stopped) = follow("the device cloud's accounts", $cloud, @make);
like($stopped, qr/^stopped the device cloud's login API \(pid \d+\)$/m,
     "the device cloud's accounts: make stop stops its login API too");

done_testing();
