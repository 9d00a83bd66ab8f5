package Test::Nginx::Browser;

# The harness of the browser tests (t/150-browser.t, t/181-browser-login-
# check.t): Debian's headless Chromium, driven through chromedriver by
# t/clients/browser_flow.py (python3-selenium, run with /usr/bin/python3),
# which prints one JSON object of facts per scenario; the assertions are all
# in the test file, one subtest per group.
#
#   browser_prerequisites();       # a missing chromium, chromedriver or
#                                  # selenium FAILS the test (never a skip)
#   group('1. the flow');          # then its checks, each one assertion:
#   check($scenario, $name, sub { my ($facts, $full_name) = @_; is(...) });
#   fact($facts, @path)            # a fact by its path, no autovivifying
#   console_checks([[page, what], ..., [undef, what]], $wanted)
#                                  # no CSP violation, no SEVERE entry
#   screenshot_check($scenario, $shot)   # its $shot.png is a PNG
#   plan tests => group_count() + 3 + ...;   # browser_results makes 3 more
#   my $run = run_browser_flow($n, @args);   # the script against nginx $n;
#     # it adds --base, --shots, --tmp; ->{status} ->{facts} ->{order}
#     # ->{shots} ->{pid} ->{tmp}
#   browser_results($run, 'scenario ...');   # the groups' subtests (with
#     # each failed scenario's facts once), the script's exit status, the
#     # scenarios in order, no chromium or chromedriver process left
#   browser_notes($run);           # the console entries not judged, where
#                                  # the screenshots are
#
# Screenshots go to $SEAM_BROWSER_SHOTS, or else into the nginx prefix
# (removed at exit unless TEST_NGINX_KEEP=1); their paths are noted.
# Test::Nginx::Seam is loaded by the test file itself, first (as for
# SeamFlow); a check made here reports its failure at this file's line.

use strict;
use warnings;

use Exporter 'import';
use Test::More import => [qw(plan ok is diag note subtest)];
use File::Temp ();
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(time sleep);

our @EXPORT = qw(
    browser_prerequisites group check fact console_checks screenshot_check group_count
    run_browser_flow browser_results browser_notes
);

my $python = '/usr/bin/python3';
my $TIMEOUT = 90;      # for the whole script, which takes about 15 s

# ---------------------------------------------------------------- prerequisites

sub browser_prerequisites {
    my @missing;
    push @missing, "$python (Debian's python3)" unless -x $python;
    push @missing, '/usr/bin/chromium (apt-get install chromium)' unless -x '/usr/bin/chromium';
    push @missing, '/usr/bin/chromedriver (apt-get install chromium-driver)' unless -x '/usr/bin/chromedriver';
    push @missing, "the python module selenium for $python (apt-get install python3-selenium)"
        if -x $python && system("$python -c 'import selenium' 2>/dev/null") != 0;
    if (@missing) {
        local $Test::Builder::Level = $Test::Builder::Level + 1;
        plan tests => 1;
        ok(0, 'the browser test has chromium, chromedriver and selenium');
        diag("missing: $_") for @missing;
        exit 1;
    }
}

# ---------------------------------------------------------------- the checks

# Each check makes exactly one assertion, so the plans are counted, not kept
# by hand. A check is [scenario whose facts it reads, name, code]; the code
# gets (facts, full name).
my (@groups, %checks);
sub group { push @groups, $_[0]; $checks{ $_[0] } = [] }
sub check { push @{ $checks{ $groups[-1] } }, [@_] }
sub group_count { scalar @groups }

# A fact by its path (hash keys, array indexes) without autovivifying it.
sub fact {
    my ($v, @path) = @_;
    for my $k (@path) {
        if (ref $v eq 'HASH' && exists $v->{$k}) { $v = $v->{$k} }
        elsif (ref $v eq 'ARRAY' && $k =~ /^\d+$/) { $v = $v->[$k] }
        else { return undef }
    }
    return $v;
}

# The browser console's entries (facts "entries" of the scenario
# "console"), judged page by page: for each [page, what] of $pages (page
# undef: any page not named there) no CSP violation and no other error
# (level SEVERE), two checks. An entry is tagged with the page it was
# logged on, or "old -> new" for what was logged while going from one page
# to the next (the submission, redirects, the new page's load): it counts
# for both. The entries $wanted (a sub, optional) says a scenario asks for
# are sorted out first.
sub console_checks {
    my ($pages, $wanted) = @_;
    my @named = grep { defined } map { $_->[0] } @$pages;
    my $on_page = sub {
        my ($e, $page) = @_;
        my %side = map { $_ => 1 } split / -> /, $e->{page};
        return defined $page ? $side{$page} : !grep { $side{$_} } @named;
    };
    for (@$pages) {
        my ($page, $what) = @$_;
        for (['csp', 'no CSP violation'], ['severe', 'no other error (level SEVERE)']) {
            my ($kind, $name) = @$_;
            check('console', "$what: $name",
                  sub {
                      my @bad = grep {
                          !($wanted && $wanted->($_))
                          && $on_page->($_, $page)
                          && ($_->{message} =~ /Content Security Policy/ xor $kind eq 'severe')
                          && ($kind eq 'csp' || $_->{level} eq 'SEVERE')
                      } @{ fact($_[0], 'entries') || [] };
                      ok(fact($_[0], 'entries') && !@bad, $_[1])
                          or diag(join "\n", map {
                              "[$_->{scenario}: $_->{page}] $_->{level} $_->{source}: $_->{message}"
                          } @bad);
                  });
        }
    }
}

# One check: the screenshot $shot of the scenario $s is a PNG (its path is
# noted).
sub screenshot_check {
    my ($s, $shot) = @_;
    check($s, "$shot.png is a PNG",
          sub {
              my $path = fact($_[0], 'screenshots', $shot);
              my $head = '';
              if (defined $path && open my $fh, '<:raw', $path) { read $fh, $head, 8 }
              my $ok = ok($head eq "\x89PNG\r\n\x1a\n", $_[1]);
              note("screenshot: $path") if $ok;
              return $ok;
          });
}

# ---------------------------------------------------------------- the run

sub run_browser_flow {
    my ($n, @args) = @_;
    my $script = "$Test::Nginx::Seam::REPO/t/clients/browser_flow.py";
    my $port = $n->port;
    my $shots = $ENV{SEAM_BROWSER_SHOTS} || $n->prefix . '/screenshots';
    # Browser profiles, and the HOME of chromium, live here: any process whose
    # command line names this directory is one of ours.
    my $tmp = File::Temp->newdir('seam-browser-XXXXXX', TMPDIR => 1);

    # The script runs in a process group of its own: chromedriver and chromium
    # stay in it, so whatever is left of it afterwards can be found.
    my $t0 = time;
    my $pid = open(my $out, '-|') // die "fork: $!";
    if (!$pid) {
        setpgrp(0, 0);
        { no warnings 'exec';
          exec $python, $script, '--base', "http://127.0.0.1:$port", @args,
               '--shots', $shots, '--tmp', "$tmp"; }
        print STDERR "cannot exec $python: $!\n";
        POSIX::_exit(127);
    }
    my (%facts, @order);
    my $finished = eval {
        local $SIG{ALRM} = sub { die "timed out\n" };
        alarm $TIMEOUT;
        while (my $line = <$out>) {
            chomp $line;
            my $f = $line =~ /^\{/ ? eval { JSON::PP::decode_json($line) } : undef;
            if ($f && defined $f->{scenario}) {
                push @order, $f->{scenario};
                $facts{ $f->{scenario} } = $f;
            } else {
                diag("browser_flow.py: $line");
            }
        }
        alarm 0;
        1;
    };
    if (!$finished) {
        # TERM lets the script quit its browsers; KILL the group if it does not.
        diag("browser_flow.py did not finish within ${TIMEOUT}s: stopping it");
        kill TERM => $pid;
        my $deadline = time + 10;
        sleep 0.1 while time < $deadline && waitpid($pid, POSIX::WNOHANG()) == 0;
        kill KILL => -$pid;
    }
    close $out;
    my $status = $?;
    note(sprintf 'browser_flow.py took %.1f s', time - $t0);

    diag("browser_flow.py: missing $_") for @{ fact(\%facts, 'prerequisites', 'missing') || [] };
    return { status => $status, facts => \%facts, order => \@order,
             shots => $shots, pid => $pid, tmp => $tmp };
}

# Why a scenario failed, once: the script's own words, then its facts.
my %explained;
sub explain_failure {
    my ($facts, $s) = @_;
    return if $explained{$s}++;
    my $f = $facts->{$s} or return diag("$s: the script reported nothing");
    diag("$s: the script stopped: $f->{error}") if $f->{error};
    my $json = JSON::PP->new->canonical->allow_nonref;
    diag("$s: $_ = " . $json->encode($f->{$_}))
        for sort grep { !/^(?:scenario|error|probe_console|entries|ignored)$/ } keys %$f;
}

sub slurp {
    open my $fh, '<:raw', $_[0] or return '';
    local $/;
    return scalar(<$fh>) // '';
}

# The groups, then 3 assertions: the exit status, the scenarios reported
# (in the order $order names them), no process left.
sub browser_results {
    my ($run, $order) = @_;
    # failures are reported at the test file's line (subtest resets this)
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $facts = $run->{facts};
    for my $g (@groups) {
        subtest $g => sub {
            plan tests => scalar @{ $checks{$g} };
            my %failed;
            for my $c (@{ $checks{$g} }) {
                my ($s, $name, $code) = @$c;
                $code->($facts->{$s} || {}, "$s: $name") or $failed{$s}++;
            }
            explain_failure($facts, $_) for sort keys %failed;
        };
    }

    is($run->{status}, 0, 'the script exited cleanly');
    is(join(' ', @{ $run->{order} }), $order, 'every scenario reported');

    # Anything still running from the script's process group or with our
    # directory on its command line (chromium's crash handler leaves the group)
    # is a leak: reported, then killed. Zombies are dead already (PID 1 may not
    # reap them here).
    my ($pid, $tmp) = @$run{qw(pid tmp)};
    my @left;
    for my $dir (glob '/proc/[0-9]*') {
        my ($stat, $cmd) = map { slurp($_) } "$dir/stat", "$dir/cmdline";
        my ($p, $state, $pgrp) = $stat =~ /^(\d+) \(.*\) (\S) \d+ (\d+) /s or next;
        next if $state eq 'Z' || $p == $$;
        push @left, $p if $pgrp == $pid || index($cmd, "$tmp") >= 0;
    }
    ok(!@left, 'no chromium or chromedriver process is left')
        or diag(join "\n", map { "left: $_ " . (slurp("/proc/$_/cmdline") =~ tr/\0/ /r) } @left);
    kill KILL => @left if @left;
}

sub browser_notes {
    my ($run) = @_;
    my @ignored = @{ fact($run->{facts}, 'console', 'ignored') || [] };
    note(scalar(grep { $_->{page} eq 'probe' } @ignored)
         . " console entries of the probe page (its deliberate CSP violation) not judged");
    note("console entry not judged ($_->{why}): [$_->{scenario}: $_->{page}] $_->{level}: $_->{message}")
        for grep { $_->{page} ne 'probe' } @ignored;
    note("screenshots are in $run->{shots}"
         . ($ENV{SEAM_BROWSER_SHOTS} || $ENV{TEST_NGINX_KEEP} ? ''
            : ' (removed at exit: set SEAM_BROWSER_SHOTS=DIR or TEST_NGINX_KEEP=1 to keep them)'));
}

1;
