# seam_oauth_login_check in a real browser: Debian's headless Chromium,
# driven through chromedriver by t/clients/browser_flow.py --set
# login_check (python3-selenium, run with /usr/bin/python3), signs in on the
# login page with a user name that is no e-mail address, the device cloud's
# login API (a real HTTP service, t/tools/login_service.py) checks the
# password, and the id it answers is the owner of the token and of the
# device API's calls. Then a wrong password and a login API that fails
# (500). Each with JavaScript on and off. The script prints one JSON object
# of facts per scenario; the assertions are all here, one subtest per group,
# as in t/150-browser.t (the harness of both: Test::Nginx::Browser).
#
# A missing chromium, chromedriver or selenium fails this test: it is never
# skipped. Screenshots go to $SEAM_BROWSER_SHOTS, or else into the nginx
# prefix (removed at exit unless TEST_NGINX_KEEP=1); their paths are noted.
use utf8;
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;
use Test::Nginx::LoginService;
use Test::Nginx::Browser;
use Encode qw(encode_utf8);
use JSON::PP ();

my $STATE = q{st 1 & "two" 'three' <four>};
# A user name, not an e-mail address: a type=email field holding it is
# invalid, and the browser would not submit the form.
my $USER = 'alice';
my $USER_ID = 'cust-42';
# spaces, an ampersand, quotes and non-ASCII: they must reach the login
# API as typed
my $PW = q{open sesame & "door" ü};
my $WRONG = "$PW but wrong";     # what the script types for a wrong password
my $DOWN = 'down@example.com';   # the login API answers 500 for it
my $FOREIGN = 'dark-mode-7f3a';  # the value of the cookie the script adds
my $port;                        # the test nginx's, once it runs

browser_prerequisites();

# ---------------------------------------------------------------- the checks

# The scenarios, in the order the script runs them; each makes one sign-in
# attempt, whose identifier and password are these.
my @SCENARIOS;
my %ATTEMPT;
for my $mode ('on', 'off') {
    push @SCENARIOS, "flow_js_$mode", "wrong_password_js_$mode", "unavailable_js_$mode";
    $ATTEMPT{"flow_js_$mode"} = [$USER, $PW];
    $ATTEMPT{"wrong_password_js_$mode"} = [$USER, $WRONG];
    $ATTEMPT{"unavailable_js_$mode"} = [$DOWN, $PW];
}

my $authorize_url = sub { qr{^\Qhttp://127.0.0.1:$port\E/authorize(?:\?|$)} };

# The login page's account field, before typing (facts "field") or after
# it (facts "typed"); the label's own text.
sub any_account_field_checks {
    my ($s, $where, @path) = @_;
    check($s, "$where: the account field is type=text (not type=email)",
          sub { is(fact($_[0], @path, 'type'), 'text', $_[1]) });
    check($s, "$where: labelled 'E-mail or user name'",
          sub { is(fact($_[0], @path, 'label'), 'E-mail or user name', $_[1]) });
}

# What the browser held when it signed in: the fields as typed, the
# browser's form validation satisfied, and the cookies it sends along.
sub typed_checks {
    my ($s) = @_;
    my ($id, $pw) = @{ $ATTEMPT{$s} };
    check($s, "the account field holds '$id' as typed",
          sub { is(fact($_[0], 'typed', 'field', 'value'), $id, $_[1]) });
    check($s, 'the browser\'s form validation accepts it',
          sub { is(fact($_[0], 'typed', 'field', 'valid'), JSON::PP::true, $_[1]) });
    check($s, 'the password field holds the password as typed',
          sub { is(fact($_[0], 'typed', 'password'), $pw, $_[1]) });
    check($s, 'the browser has the CSRF cookie and a cookie of its own for the module\'s origin',
          sub { my %c = map { $_ => 1 } @{ fact($_[0], 'cookie_names') || [] };
                ok($c{seam_oauth_csrf} && $c{theme}, $_[1])
                    or diag('cookies: ' . join(' ', sort keys %c)) });
}

for (['on', 1], ['off', 0]) {
    my ($mode, $js) = @$_;
    my $s = "flow_js_$mode";
    group("1. a user name signs in, JavaScript $mode");
    my $ran = $js ? 'ran' : 'did not run';
    check($s, "JavaScript is really $mode (the probe page's inline script $ran)",
          sub { is(fact($_[0], 'javascript_ran') ? 'ran' : 'did not run', $ran, $_[1]) });
    check($s, 'the login page is shown',
          sub { is(fact($_[0], 'pages', 0), 'login', $_[1]) });
    check($s, 'its title names the client',
          sub { is(fact($_[0], 'login_title'), 'Sign in to connect Seam', $_[1]) });
    any_account_field_checks($s, 'the login page', 'field');
    typed_checks($s);
    check($s, "signing in as '$USER' (typed, clicked) shows the consent page",
          sub { is(fact($_[0], 'pages', 1), 'consent', $_[1]) });
    check($s, 'the consent page names the account as typed',
          sub { like(fact($_[0], 'consent_text') // '', qr/Signed in as \Q$USER\E\./, $_[1]) });
    check($s, 'the consent page has the buttons Deny and Allow',
          sub { is(join(' ', map { "$_->[0]=$_->[1]" } @{ fact($_[0], 'consent_buttons') || [] }),
                   'deny=Deny approve=Allow', $_[1]) });
    check($s, 'Allow lands on the callback',
          sub { is(fact($_[0], 'pages', 2), 'callback', $_[1]) });
    check($s, 'the callback is reached once',
          sub { is(fact($_[0], 'callback_count'), 1, $_[1]) });
    check($s, 'the state comes back exactly',
          sub { is(fact($_[0], 'callback', 'state'), $STATE, $_[1]) });
    check($s, 'the callback gets a code of 51 base64url characters',
          sub { like(fact($_[0], 'callback', 'code') // '', qr/^[A-Za-z0-9_-]{51}$/, $_[1]) });
    check($s, 'and no error',
          sub { ok(fact($_[0], 'callback') && !defined fact($_[0], 'callback', 'error'), $_[1]) });
    check($s, 'POST /oauth/token with the code: 200',
          sub { is(fact($_[0], 'token_status'), 200, $_[1]) });
    check($s, 'the answer has an access_token',
          sub { like(fact($_[0], 'token', 'access_token') // '', qr/^<[1-9]\d* chars>$/, $_[1]) });
    check($s, "its user_id is the login API's id, $USER_ID",
          sub { is(fact($_[0], 'token', 'user_id'), $USER_ID, $_[1]) });
    check($s, 'GET /intercoms with the token: 200',
          sub { is(fact($_[0], 'api_status'), 200, $_[1]) });
    check($s, "the device API gets the login API's id (\$seam_oauth_user_id)",
          sub { like(fact($_[0], 'api_body') // '', qr/^device api: user=\Q$USER_ID\E path=\/intercoms$/m,
                     $_[1]) });
}

for my $mode ('on', 'off') {
    my $s = "wrong_password_js_$mode";
    group("2. a wrong password, JavaScript $mode");
    check($s, 'the login page is shown',
          sub { is(fact($_[0], 'pages', 0), 'login', $_[1]) });
    typed_checks($s);
    check($s, 'a wrong password shows the login page again',
          sub { is(fact($_[0], 'pages', 1), 'login', $_[1]) });
    check($s, 'with the generic message',
          sub { like(fact($_[0], 'text') // '', qr/The e-mail or password is incorrect\./, $_[1]) });
    any_account_field_checks($s, 'the page again', 'field');
    check($s, 'the account field keeps the typed user name',
          sub { is(fact($_[0], 'field', 'value'), $USER, $_[1]) });
    check($s, 'the password field is empty again',
          sub { is(fact($_[0], 'password_value'), '', $_[1]) });
    check($s, "the browser is still on the module's /authorize",
          sub { like(fact($_[0], 'url') // '', $authorize_url->(), $_[1]) });
    check($s, 'the callback got nothing',
          sub { is(fact($_[0], 'callback_count'), 0, $_[1]) });
}

for my $mode ('on', 'off') {
    my $s = "unavailable_js_$mode";
    group("3. the login API fails (500), JavaScript $mode");
    check($s, 'the login page is shown',
          sub { is(fact($_[0], 'pages', 0), 'login', $_[1]) });
    typed_checks($s);
    check($s, 'signing in shows a page that is neither login, consent nor callback',
          sub { is(fact($_[0], 'pages', 1), 'other', $_[1]) });
    check($s, 'the browser got it with status 503',
          sub { is(fact($_[0], 'status'), 503, $_[1]) });
    check($s, 'it says "Sign-in is temporarily unavailable. Try again later."',
          sub { like(fact($_[0], 'text') // '', qr/Sign-in is temporarily unavailable\. Try again later\./,
                     $_[1]) });
    check($s, 'and not that the password is wrong',
          sub { unlike(fact($_[0], 'text') // 'no text', qr/incorrect/, $_[1]) });
    check($s, "the browser is still on the module's /authorize",
          sub { like(fact($_[0], 'url') // '', $authorize_url->(), $_[1]) });
    check($s, 'the callback got nothing',
          sub { is(fact($_[0], 'callback_count'), 0, $_[1]) });
}

# The login API's requests, read once the script is done; the i-th belongs
# to the i-th scenario (each makes exactly one attempt, and the count is
# checked first).
my @requests;
group('4. what the login API got');
check($SCENARIOS[0], 'one request per sign-in attempt: ' . @SCENARIOS . ' in all',
      sub { is(scalar @requests, scalar @SCENARIOS, $_[1])
                or diag(join "\n", map { "request: $_->{body}" } @requests) });
for my $i (0 .. $#SCENARIOS) {
    my $s = $SCENARIOS[$i];
    my ($id, $pw) = @{ $ATTEMPT{$s} };
    check($s, 'its request is POST /api/login, Content-Type: application/json',
          sub { my $r = $requests[$i] || {};
                my %h = map { lc $_->[0] => $_->[1] } @{ $r->{headers} || [] };
                is(join(' ', $r->{method} // '-', $r->{path} // '-', $h{'content-type'} // '-'),
                   'POST /api/login application/json', $_[1]) });
    # typed_checks compare the fields as typed with the same values
    check($s, "its JSON: the identifier '$id' and the password as typed, client_id seam",
          sub { is_deeply(fact($requests[$i] || {}, 'json'),
                          { email => $id, password => $pw, client_id => 'seam' }, $_[1])
                    or diag('request body: ' . (fact($requests[$i] || {}, 'body') // 'none')) });
    check($s, 'no Cookie header, though the browser sent cookies and the location passes $http_cookie',
          sub { my @c = grep { lc $_->[0] eq 'cookie' } @{ fact($requests[$i] || {}, 'headers') || [] };
                ok($requests[$i] && !@c, $_[1]) or diag(join "\n", map { "Cookie: $_->[1]" } @c) });
    check($s, 'no header carries a cookie of the browser',
          sub { my @bad = grep { "$_->[0]: $_->[1]" =~ /seam_oauth|\Q$FOREIGN\E/ }
                          @{ fact($requests[$i] || {}, 'headers') || [] };
                ok($requests[$i] && !@bad, $_[1]) or diag(join "\n", map { "$_->[0]: $_->[1]" } @bad) });
}
group('5. the browser console');
for my $mode ('on', 'off') {
    check("flow_js_$mode", "console capture works: the probe page's deliberate CSP violation is seen (JavaScript $mode)",
          sub { ok((grep { $_->{message} =~ /Content Security Policy/ }
                        @{ fact($_[0], 'probe_console') || [] }), $_[1]) });
}
# The 503 page's own status, which Chromium logs as a failed load of the
# document, is what the scenario asks for: it is sorted out (and counted)
# first.
my $expected_503 = sub {
    my ($e) = @_;
    return $e->{scenario} =~ /^unavailable_js_/ && $e->{page} eq 'login -> other'
        && $e->{message} =~ m{^\Qhttp://127.0.0.1:$port\E/authorize - Failed to load resource: the server responded with a status of 503\b};
};
console_checks([['login', 'the login page'], ['consent', 'the consent page'],
                ['other', 'the 503 page'], [undef, 'any other page of the module']], $expected_503);

group('6. screenshots');
for my $mode ('on', 'off') {
    my $suffix = $mode eq 'on' ? '' : '-nojs';
    for (["flow_js_$mode", 'login-check-login'], ["flow_js_$mode", 'login-check-consent'],
         ["wrong_password_js_$mode", 'login-check-wrong-password'],
         ["unavailable_js_$mode", 'login-check-unavailable']) {
        my ($s, $shot) = @$_;
        screenshot_check($s, $shot . $suffix);
    }
}

# ---------------------------------------------------------------- the run

# the groups; exit status, scenarios, processes left, the [error] lines of
# the outage; assert_clean_log (2)
plan tests => group_count() + 4 + 2;

my $svc = Test::Nginx::LoginService->start(accounts => {
    $USER => { password => $PW, id => $USER_ID },
    $DOWN => { password => $PW, status => 500, body => '{"error":"boom"}' },
});
my $svc_port = $svc->port;

# The /authorize location with the login check, and the login API's
# location as a careless operator might write it: it passes the browser's
# Cookie header on, which the module's subrequest must not have.
my $config = "location = /authorize { seam_oauth_authorize; seam_oauth_login_check /_device_cloud/login; }\n"
    . server_config() =~ s/^location = \/authorize .*\n//mr
    . <<"C";
location = /_device_cloud/login {
    internal;
    proxy_pass http://127.0.0.1:$svc_port/api/login;
    proxy_set_header Cookie \$http_cookie;
    proxy_connect_timeout 2s;
    proxy_read_timeout 5s;
    subrequest_output_buffer_size 16k;
    access_log off;
}
C

my $n = start_nginx(http_config => <<'C', config => $config, workers => 2);
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
$port = $n->port;
my $run = run_browser_flow($n, '--set', 'login_check', '--email', $USER,
                           '--password', encode_utf8($PW), '--down-email', $DOWN, '--state', $STATE);
@requests = $svc->requests;

browser_results($run, "@SCENARIOS console");

my @outage = $n->error_log =~ /\[error\].*seam_oauth: the login check answered 500/g;
is(scalar @outage, 2, 'each outage left an [error] line naming the login API\'s 500');

my @entries = @{ fact($run->{facts}, 'console', 'entries') || [] };
note(scalar(grep { $expected_503->($_) } @entries)
     . " console entries of the 503 page's own status (wanted) not judged");
browser_notes($run);

$n->stop;
$n->assert_clean_log;
$svc->stop;
