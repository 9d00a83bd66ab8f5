# The flow in a real browser: Debian's headless Chromium, driven through
# chromedriver by t/clients/browser_flow.py (python3-selenium, run with
# /usr/bin/python3), signs in with real clicks, answers the consent page
# and lands on a loopback callback server of the script's own; the script
# then redeems the code as Seam would. The script prints one JSON object of
# facts per scenario; the assertions are all here, one subtest per group.
#
# A missing chromium, chromedriver or selenium fails this test: it is never
# skipped. Screenshots go to $SEAM_BROWSER_SHOTS, or else into the nginx
# prefix (removed at exit unless TEST_NGINX_KEEP=1); their paths are noted.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;
use File::Temp ();
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(time sleep);

my $python = '/usr/bin/python3';
my $script = "$Test::Nginx::Seam::REPO/t/clients/browser_flow.py";
my $TIMEOUT = 90;      # for the whole script, which takes about 15 s
# spaces, & and both quotes: it must come back byte for byte
my $STATE = q{st 1 & "two" 'three' <four>};
my $PHONE = 375;
my $port;              # the test nginx's, once it runs

# ---------------------------------------------------------------- prerequisites

my @missing;
push @missing, "$python (Debian's python3)" unless -x $python;
push @missing, '/usr/bin/chromium (apt-get install chromium)' unless -x '/usr/bin/chromium';
push @missing, '/usr/bin/chromedriver (apt-get install chromium-driver)' unless -x '/usr/bin/chromedriver';
push @missing, "the python module selenium for $python (apt-get install python3-selenium)"
    if -x $python && system("$python -c 'import selenium' 2>/dev/null") != 0;
if (@missing) {
    plan tests => 1;
    ok(0, 'the browser test has chromium, chromedriver and selenium');
    diag("missing: $_") for @missing;
    exit 1;
}

# ---------------------------------------------------------------- the checks

# Each check makes exactly one assertion, so the plans are counted, not kept
# by hand. A check is [scenario whose facts it reads, name, code]; the code
# gets (facts, full name).
my (@groups, %checks);
sub group { push @groups, $_[0]; $checks{ $_[0] } = [] }
sub check { push @{ $checks{ $groups[-1] } }, [@_] }

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

sub flow_checks {
    my ($s, $js) = @_;
    my $ran = $js ? 'ran' : 'did not run';
    check($s, 'JavaScript is really ' . ($js ? 'on' : 'off') . " (the probe page's inline script $ran)",
          sub { is(fact($_[0], 'javascript_ran') ? 'ran' : 'did not run', $ran, $_[1]) });
    check($s, 'the login page is shown',
          sub { is(fact($_[0], 'pages', 0), 'login', $_[1]) });
    check($s, 'its title names the client',
          sub { is(fact($_[0], 'login_title'), 'Sign in to connect Seam', $_[1]) });
    check($s, 'signing in (typed, clicked) shows the consent page',
          sub { is(fact($_[0], 'pages', 1), 'consent', $_[1]) });
    for my $scope ('See your intercoms', 'Open doors with your intercoms') {
        check($s, "the consent page lists '$scope'",
              sub { like(fact($_[0], 'consent_text') // '', qr/\Q$scope\E/, $_[1]) });
    }
    check($s, 'the consent page has the buttons Deny and Allow',
          sub { is(join(' ', map { "$_->[0]=$_->[1]" } @{ fact($_[0], 'consent_buttons') || [] }),
                   'deny=Deny approve=Allow', $_[1]) });
    check($s, 'the browser lands on the callback',
          sub { is(fact($_[0], 'pages', 2), 'callback', $_[1]) });
    check($s, 'the callback is reached once',
          sub { is(fact($_[0], 'callback_count'), 1, $_[1]) });
    check($s, 'the state comes back exactly',
          sub { is(fact($_[0], 'callback', 'state'), $STATE, $_[1]) });
}

for ([js_on => 1, '1. the whole flow, JavaScript on'],
     [js_off => 0, '2. the whole flow, JavaScript off']) {
    my ($s, $js, $title) = @$_;
    group($title);
    flow_checks($s, $js);
    check($s, 'the callback gets a code of 51 base64url characters',
          sub { like(fact($_[0], 'callback', 'code') // '', qr/^[A-Za-z0-9_-]{51}$/, $_[1]) });
    check($s, 'and no error',
          sub { ok(fact($_[0], 'callback') && !defined fact($_[0], 'callback', 'error'), $_[1]) });
    check($s, 'iss names this server (RFC 9207)',
          sub { is(fact($_[0], 'callback', 'iss'), "http://127.0.0.1:$port", $_[1]) });
    check($s, 'POST /oauth/token with the code: 200',
          sub { is(fact($_[0], 'token_status'), 200, $_[1]) });
    check($s, 'the answer has an access_token',
          sub { like(fact($_[0], 'token', 'access_token') // '', qr/^<[1-9]\d* chars>$/, $_[1]) });
    check($s, 'token_type Bearer',
          sub { is(fact($_[0], 'token', 'token_type'), 'Bearer', $_[1]) });
    check($s, 'GET /intercoms with the token: 200',
          sub { is(fact($_[0], 'api_status'), 200, $_[1]) });
}

group('3. Deny');
flow_checks('deny', 1);
check('deny', 'the callback gets error=access_denied',
      sub { is(fact($_[0], 'callback', 'error'), 'access_denied', $_[1]) });
check('deny', 'and no code',
      sub { ok(fact($_[0], 'callback') && !defined fact($_[0], 'callback', 'code'), $_[1]) });

group('4. a wrong password');
check('wrong_password', 'the login page is shown',
      sub { is(fact($_[0], 'pages', 0), 'login', $_[1]) });
check('wrong_password', 'a wrong password shows the login page again',
      sub { is(fact($_[0], 'pages', 1), 'login', $_[1]) });
check('wrong_password', 'with the message',
      sub { like(fact($_[0], 'text') // '', qr/The e-mail or password is incorrect\./, $_[1]) });
check('wrong_password', 'the e-mail field keeps the typed e-mail',
      sub { is(fact($_[0], 'email_value'), $OWNER, $_[1]) });
check('wrong_password', 'the password field is empty again',
      sub { is(fact($_[0], 'password_value'), '', $_[1]) });
check('wrong_password', "the browser is still on the module's /authorize",
      sub { like(fact($_[0], 'url') // '', qr{^\Qhttp://127.0.0.1:$port\E/authorize(?:\?|$)}, $_[1]) });
check('wrong_password', 'the callback got nothing',
      sub { is(fact($_[0], 'callback_count'), 0, $_[1]) });

group("5. a $PHONE px wide phone");
check('phone', 'the login page, then the wrong-password page, then the consent page',
      sub { is(join(' ', @{ fact($_[0], 'pages') || [] }), 'login login consent', $_[1]) });
for (['login', 'the login page', 3], ['wrong_password', 'the wrong-password page', 3],
     ['consent', 'the consent page', 2]) {
    my ($key, $page, $count) = @$_;
    check('phone', "$page: the viewport is $PHONE CSS px wide",
          sub { is(fact($_[0], $key, 'inner_width'), $PHONE, $_[1]) });
    check('phone', "$page: no sideways scrolling (scrollWidth <= innerWidth)",
          sub {
              my ($sw, $iw) = map { fact($_[0], $key, $_) } qw(scroll_width inner_width);
              ok(defined $sw && defined $iw && $sw <= $iw, $_[1])
                  or diag('scrollWidth ' . ($sw // 'none') . ', innerWidth ' . ($iw // 'none'));
          });
    check('phone', "$page: " . ($key eq 'consent' ? 'both buttons lie' : 'the fields and the button lie')
                   . " within [0, $PHONE]",
          sub {
              my @el = @{ fact($_[0], $key, 'elements') || [] };
              my @out = grep { $_->{left} < 0 || $_->{right} > $PHONE || $_->{width} <= 0 } @el;
              ok(@el == $count && !@out, $_[1])
                  or diag("want $count elements, got " . @el . '; outside or empty: '
                          . join('; ', map { "$_->{what} [$_->{left}, $_->{right}]" } @out));
          });
}

group('6. the browser console');
for (['js_on', 'on'], ['js_off', 'off']) {
    my ($s, $on) = @$_;
    check($s, "console capture works: the probe page's deliberate CSP violation is seen (JavaScript $on)",
          sub { ok((grep { $_->{message} =~ /Content Security Policy/ }
                        @{ fact($_[0], 'probe_console') || [] }), $_[1]) });
}
# An entry is tagged with the page it was logged on, or "old -> new" for
# what was logged while going from one page to the next (the submission,
# redirects, the new page's load): it counts for both.
my $on_page = sub {
    my ($e, $page) = @_;
    my %side = map { $_ => 1 } split / -> /, $e->{page};
    return defined $page ? $side{$page} : !($side{login} || $side{consent});
};
for (['login', 'the login page'], ['consent', 'the consent page'], [undef, 'any other page of the module']) {
    my ($page, $what) = @$_;
    for (['csp', 'no CSP violation'], ['severe', 'no other error (level SEVERE)']) {
        my ($kind, $name) = @$_;
        check('console', "$what: $name",
              sub {
                  my @bad = grep {
                      $on_page->($_, $page)
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

group('7. screenshots');
for (['js_on', 'login-desktop'], ['js_on', 'consent-desktop'],
     ['wrong_password', 'wrong-password-desktop'],
     ['phone', 'login-375'], ['phone', 'consent-375'], ['phone', 'wrong-password-375']) {
    my ($s, $shot) = @$_;
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

# the groups; exit status, scenarios, processes left; assert_clean_log (2)
plan tests => @groups + 3 + 2;

my $n = start_nginx(http_config => <<'C', config => server_config(), workers => 2,
seam_oauth_store $TEST_NGINX_STORE;
seam_oauth_client seam secret=seamsecret name=Seam redirect=http://127.0.0.1/cb
                  "scope=intercoms:read intercoms:unlock"
                  "default_scope=intercoms:read intercoms:unlock" intercom_guide;
seam_oauth_scope_description intercoms:read "See your intercoms";
seam_oauth_scope_description intercoms:unlock "Open doors with your intercoms";
server {
    listen unix:$TEST_NGINX_SERVROOT/api.sock;
    location / { return 200 "device api: user=$http_x_seam_user path=$uri\n"; }
}
C
                    users => ["$OWNER $PASSWORD"]);
$port = $n->port;
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
      exec $python, $script, '--base', "http://127.0.0.1:$port", '--email', $OWNER,
           '--password', $PASSWORD, '--state', $STATE, '--shots', $shots, '--tmp', "$tmp"; }
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

# Why a scenario failed, once: the script's own words, then its facts.
my %explained;
sub explain_failure {
    my ($s) = @_;
    return if $explained{$s}++;
    my $f = $facts{$s} or return diag("$s: the script reported nothing");
    diag("$s: the script stopped: $f->{error}") if $f->{error};
    my $json = JSON::PP->new->canonical->allow_nonref;
    diag("$s: $_ = " . $json->encode($f->{$_}))
        for sort grep { !/^(?:scenario|error|probe_console|entries|ignored)$/ } keys %$f;
}

for my $g (@groups) {
    subtest $g => sub {
        plan tests => scalar @{ $checks{$g} };
        my %failed;
        for my $c (@{ $checks{$g} }) {
            my ($s, $name, $code) = @$c;
            $code->($facts{$s} || {}, "$s: $name") or $failed{$s}++;
        }
        explain_failure($_) for sort keys %failed;
    };
}

is($status, 0, 'the script exited cleanly');
is(join(' ', @order), 'js_on js_off deny wrong_password phone console', 'every scenario reported');

# Anything still running from the script's process group or with our
# directory on its command line (chromium's crash handler leaves the group)
# is a leak: reported, then killed. Zombies are dead already (PID 1 may not
# reap them here).
sub slurp {
    open my $fh, '<:raw', $_[0] or return '';
    local $/;
    return scalar(<$fh>) // '';
}
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

my @ignored = @{ fact(\%facts, 'console', 'ignored') || [] };
note(scalar(grep { $_->{page} eq 'probe' } @ignored)
     . " console entries of the probe page (its deliberate CSP violation) not judged");
note("console entry not judged ($_->{why}): [$_->{scenario}: $_->{page}] $_->{level}: $_->{message}")
    for grep { $_->{page} ne 'probe' } @ignored;
note("screenshots are in $shots"
     . ($ENV{SEAM_BROWSER_SHOTS} || $ENV{TEST_NGINX_KEEP} ? ''
        : ' (removed at exit: set SEAM_BROWSER_SHOTS=DIR or TEST_NGINX_KEEP=1 to keep them)'));

$n->stop;
$n->assert_clean_log;
