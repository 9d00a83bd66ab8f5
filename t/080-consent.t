# Consent, sign-in sessions and prompt: after sign-in the owner sees what
# the client asks for and approves or denies; a recent sign-in skips the
# password unless prompt=login; errors go back by redirect with iss.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

plan tests => 42;

my $n = start_nginx(http_config => http_config(extra => 'seam_oauth_session_ttl 3s;'),
                    config => server_config(), users => ["$OWNER $PASSWORD"]);

my @params = (redirect_uri => $SEAM_REDIRECT, state => 'c-1', scope => 'intercoms:read intercoms:unlock');

# the consent page
my $consent = login($n, params => \@params, consent => 'none');
is($consent->{status}, 200, 'after sign-in: the consent page');
like($consent->{body}, qr/Allow Seam access\?/, 'names the client');
like($consent->{body}, qr/See your intercoms\nOpen doors with your intercoms/, 'the scopes in the configured words');
like($consent->{body}, qr/Signed in as \Q$OWNER\E/, 'who is signed in');
like($consent->{body}, qr/name="decision" value="deny".*name="decision" value="approve"/s, 'approve and deny');
is($consent->{header}->('x-frame-options'), 'DENY', 'the consent page is not framable');
my ($session) = grep { /^seam_oauth_session=/ } $consent->{header}->('set-cookie');
like($session, qr/^seam_oauth_session=[A-Za-z0-9_-]{51}; Path=\/authorize; Max-Age=3; HttpOnly; SameSite=Lax$/,
     'a session cookie: HttpOnly, SameSite=Lax, short');

# deny
my $denied = login($n, params => \@params, consent => 'deny');
is($denied->{status}, 303, 'deny: 303');
my ($base, $q) = parse_location($denied->{header}->('location'));
is($q->{error}, 'access_denied', 'deny: error=access_denied');
is($q->{state}, 'c-1', 'deny: the state');
is($q->{iss}, 'http://localhost', 'deny: iss (RFC 9207)');
ok(!exists $q->{code}, 'deny: no code');

# approve
my $approved = login($n, params => \@params);
is($approved->{status}, 303, 'approve: 303');
(undef, $q) = parse_location($approved->{header}->('location'));
ok($q->{code}, 'approve: a code');
is($q->{iss}, 'http://localhost', 'approve: iss');
my $tok = exchange($n, $q->{code});
is($tok->{json}{scope}, 'intercoms:read intercoms:unlock', 'the approved scope is granted');

# a recent sign-in skips the password
my $cookie = $approved->{cookie};
my $again = http($n, 'GET', '/authorize?' . form_encode(@params), headers => [ Cookie => $cookie ]);
is($again->{status}, 200, 'with a session: straight to consent');
like($again->{body}, qr/name="decision"/, 'the consent page, not the login form');
unlike($again->{body}, qr/name="password"/, 'no password asked');

# prompt=login always asks for the password
my $forced = http($n, 'GET', '/authorize?' . form_encode(@params, prompt => 'login'), headers => [ Cookie => $cookie ]);
like($forced->{body}, qr/name="password"/, 'prompt=login: the login form despite the session');
like($forced->{body}, qr/name="prompt" value="login"/, 'prompt=login is carried in the form');

# prompt=none
my $none = http($n, 'GET', '/authorize?' . form_encode(@params, prompt => 'none'));
(undef, $q) = parse_location($none->{header}->('location'));
is($q->{error}, 'login_required', 'prompt=none without a session: login_required');
$none = http($n, 'GET', '/authorize?' . form_encode(@params, prompt => 'none'), headers => [ Cookie => $cookie ]);
(undef, $q) = parse_location($none->{header}->('location'));
is($q->{error}, 'consent_required', 'prompt=none when consent is needed: consent_required');

# a client without consent: straight to the code, with a session or without
my $c3 = [ client_id => 'c3', response_type => 'code', redirect_uri => 'https://client3.example/cb' ];
my $direct = login($n, params => $c3, consent => 'none');
is($direct->{status}, 303, 'consent=off: sign-in answers 303 with the code');
my $silent = http($n, 'GET', '/authorize?' . form_encode(@$c3, prompt => 'none'), headers => [ Cookie => $cookie ]);
is($silent->{status}, 303, 'consent=off with a session and prompt=none: 303');
(undef, $q) = parse_location($silent->{header}->('location'));
ok($q->{code}, 'consent=off with a session: a code without any page');
# while that session lives, cookies of its length that are not it are no
# session: its random part altered (a key next to the live one), or made up
my ($live) = $cookie =~ /seam_oauth_session=([^;]+)/;
my $altered = $live;
substr($altered, 30, 1) = substr($live, 30, 1) eq 'B' ? 'C' : 'B';
for my $case ([$live, 'as issued', 'code'], [$altered, 'with its random part altered', 'error'],
              ['A' x 51, 'made up', 'error']) {
    my $r = http($n, 'GET', '/authorize?' . form_encode(@$c3, prompt => 'none'),
                 headers => [ Cookie => "seam_oauth_session=$case->[0]" ]);
    is($r->{status}, 303, "the session cookie $case->[1]: 303");
    (undef, $q) = parse_location($r->{header}->('location'));
    if ($case->[2] eq 'code') {
        ok($q->{code} && !defined $q->{error}, "the session cookie $case->[1]: a code");
    } else {
        ok(!defined $q->{code} && ($q->{error} // '') eq 'login_required',
           "the session cookie $case->[1]: login_required, no code");
    }
}
my $consent_forced = http($n, 'GET', '/authorize?' . form_encode(@$c3, prompt => 'consent'), headers => [ Cookie => $cookie ]);
like($consent_forced->{body}, qr/name="decision"/, 'prompt=consent asks even a consent=off client');

# a decision without a session gets the login form back, never a code
my ($page, $csrf_cookie) = login_page($n, @params);
my %hidden = $page->{body} =~ /<input type="hidden" name="([^"]+)" value="([^"]*)"/g;
my $nosession = http($n, 'POST', '/authorize', headers => [ 'Content-Type' => 'application/x-www-form-urlencoded',
    Cookie => $csrf_cookie ], body => form_encode(%hidden, decision => 'approve'));
is($nosession->{status}, 200, 'approve without a session: 200');
like($nosession->{body}, qr/sign in again/, 'approve without a session: asked to sign in');
ok(!defined $nosession->{header}->('location'), 'approve without a session: no redirect');

# a decision needs the CSRF token as much as the password does
my ($session_only) = $cookie =~ /(seam_oauth_session=[^;]+)/;
my %bad_csrf = (%hidden, csrf_token => 'x');
my $forged = http($n, 'POST', '/authorize', headers => [ 'Content-Type' => 'application/x-www-form-urlencoded',
    Cookie => "$session_only; $csrf_cookie" ], body => form_encode(%bad_csrf, decision => 'approve'));
is($forged->{status}, 403, 'approve with a bad CSRF token: 403');
my $weird = http($n, 'POST', '/authorize', headers => [ 'Content-Type' => 'application/x-www-form-urlencoded',
    Cookie => "$session_only; $csrf_cookie" ], body => form_encode(%hidden, decision => 'maybe'));
is($weird->{status}, 400, 'an unknown decision: 400');

# the session expires (3 s here)
select(undef, undef, undef, 3.5);
my $late = http($n, 'GET', '/authorize?' . form_encode(@params), headers => [ Cookie => $cookie ]);
like($late->{body}, qr/name="password"/, 'an expired session: the login form again');

# a forged session cookie is ignored (one of the earlier length, 43
# characters, is dropped before any lookup)
my $fake = http($n, 'GET', '/authorize?' . form_encode(@params),
                headers => [ Cookie => 'seam_oauth_session=' . ('A' x 43) ]);
like($fake->{body}, qr/name="password"/, 'an unknown session: the login form');

$n->stop;
$n->assert_clean_log;
