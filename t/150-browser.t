# The flow in a real browser: Debian's headless Chromium, driven through
# chromedriver by t/clients/browser_flow.py (python3-selenium, run with
# /usr/bin/python3), signs in with real clicks, answers the consent page
# and lands on a loopback callback server of the script's own; the script
# then redeems the code as Seam would. The script prints one JSON object of
# facts per scenario; the assertions are all here, one subtest per group
# (the harness that runs the script and the groups: Test::Nginx::Browser).
#
# A missing chromium, chromedriver or selenium fails this test: it is never
# skipped. Screenshots go to $SEAM_BROWSER_SHOTS, or else into the nginx
# prefix (removed at exit unless TEST_NGINX_KEEP=1); their paths are noted.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;
use Test::Nginx::Browser;

# spaces, & and both quotes: it must come back byte for byte
my $STATE = q{st 1 & "two" 'three' <four>};
my $PHONE = 375;
my $port;              # the test nginx's, once it runs

browser_prerequisites();

# ---------------------------------------------------------------- the checks

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
console_checks([['login', 'the login page'], ['consent', 'the consent page'],
                [undef, 'any other page of the module']]);

group('7. screenshots');
for (['js_on', 'login-desktop'], ['js_on', 'consent-desktop'],
     ['wrong_password', 'wrong-password-desktop'],
     ['phone', 'login-375'], ['phone', 'consent-375'], ['phone', 'wrong-password-375']) {
    screenshot_check(@$_);
}

# ---------------------------------------------------------------- the run

# the groups; exit status, scenarios, processes left; assert_clean_log (2)
plan tests => group_count() + 3 + 2;

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
my $run = run_browser_flow($n, '--email', $OWNER, '--password', $PASSWORD, '--state', $STATE);

browser_results($run, 'js_on js_off deny wrong_password phone console');
browser_notes($run);

$n->stop;
$n->assert_clean_log;
