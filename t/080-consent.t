# Consent, sign-in sessions and prompt: after sign-in the owner sees what
# the client asks for and approves or denies; a recent sign-in skips the
# password unless prompt=login; errors go back by redirect with iss. The
# sign-ins that end in a decision are the script; the rest are data blocks,
# whose --- init loads the login page (its CSRF cookie and token) or signs
# in for a session first.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

my $http_config = http_config(extra => 'seam_oauth_session_ttl 3s;');
$Test::Nginx::Seam::DEFAULT{http_config} = $http_config;
$Test::Nginx::Seam::DEFAULT{config} = server_config();
$Test::Nginx::Seam::DEFAULT{user} = "$OWNER $PASSWORD";

# Seam's request for both scopes, and c3 (consent=off); the blocks' request
# lines spell them out percent-encoded
our @PARAMS = (redirect_uri => $SEAM_REDIRECT, state => 'c-1', scope => 'intercoms:read intercoms:unlock');
our @C3 = (client_id => 'c3', response_type => 'code', redirect_uri => 'https://client3.example/cb');

# for --- init: COOKIE and CSRF from the login page of these parameters
sub page_vars {
    my ($srv, @params) = @_;
    my (undef, $cookie, $csrf) = login_page($srv, @params);
    $srv->set_var(COOKIE => $cookie, CSRF => $csrf);
}
# for --- init: the cookies of an approved sign-in (the CSRF cookie and the
# session), and the session cookie's value alone
sub signed_in {
    my ($srv) = @_;
    my $r = login($srv, params => \@PARAMS);
    die "sign-in failed: $r->{status}" unless $r->{status} == 303;
    my ($session) = $r->{cookie} =~ /seam_oauth_session=([^;]+)/ or die "no session cookie";
    return ($r->{cookie}, $session);
}

my $n = start_nginx(http_config => $http_config, config => server_config(), users => ["$OWNER $PASSWORD"]);

# deny
my $denied = login($n, params => \@PARAMS, consent => 'deny');
is($denied->{status}, 303, 'deny: 303');
my ($base, $q) = parse_location($denied->{header}->('location'));
is($q->{error}, 'access_denied', 'deny: error=access_denied');
is($q->{state}, 'c-1', 'deny: the state');
is($q->{iss}, 'http://localhost', 'deny: iss (RFC 9207)');
ok(!exists $q->{code}, 'deny: no code');

# approve
my $approved = login($n, params => \@PARAMS);
is($approved->{status}, 303, 'approve: 303');
(undef, $q) = parse_location($approved->{header}->('location'));
ok($q->{code}, 'approve: a code');
is($q->{iss}, 'http://localhost', 'approve: iss');
my $tok = exchange($n, $q->{code});
is($tok->{json}{scope}, 'intercoms:read intercoms:unlock', 'the approved scope is granted');

$n->stop;
$n->assert_clean_log;

run_tests();
done_testing();

__DATA__

=== TEST 1: after sign-in: the consent page names the client, the scopes in the configured words, who is signed in, deny and approve; it is not framable; a session cookie: HttpOnly, SameSite=Lax, short
--- init
page_vars($srv, @PARAMS);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=c-1&scope=intercoms%3Aread%20intercoms%3Aunlock&code_challenge=&code_challenge_method=&response_type=code&prompt=&csrf_token=$TEST_NGINX_CSRF&email=owner%40example.com&password=correct%20horse%20battery
--- error_code: 200
--- response_headers
X-Frame-Options: DENY
--- response_headers_like
Set-Cookie: (?:^|, )seam_oauth_session=[A-Za-z0-9_-]{51}; Path=/authorize; Max-Age=3; HttpOnly; SameSite=Lax(?:,|$)
--- response_body_like eval
qr{Allow\ Seam\ access\?
   .*Signed\ in\ as\ owner\@example\.com
   .*See\ your\ intercoms\nOpen\ doors\ with\ your\ intercoms
   .*name="decision"\ value="deny".*name="decision"\ value="approve"}sx

=== TEST 2: a recent sign-in skips the password: with a session, straight to the consent page, not the login form
--- init
my ($jar) = signed_in($srv);
$srv->set_var(JAR => $jar);
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=c-1&scope=intercoms%3Aread%20intercoms%3Aunlock
--- more_headers
Cookie: $TEST_NGINX_JAR
--- error_code: 200
--- response_body_like: name="decision"
--- response_body_unlike: name="password"

=== TEST 3: prompt=login always asks for the password: the login form despite the session, prompt=login carried in the form
--- init
my ($jar) = signed_in($srv);
$srv->set_var(JAR => $jar);
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=c-1&scope=intercoms%3Aread%20intercoms%3Aunlock&prompt=login
--- more_headers
Cookie: $TEST_NGINX_JAR
--- error_code: 200
--- response_body_like: name="prompt" value="login".*name="password"

=== TEST 4: prompt=none without a session: login_required
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=c-1&scope=intercoms%3Aread%20intercoms%3Aunlock&prompt=none
--- error_code: 303
--- response_headers_like
Location: [?&]error=login_required&

=== TEST 5: prompt=none when consent is needed: consent_required
--- init
my ($jar) = signed_in($srv);
$srv->set_var(JAR => $jar);
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=c-1&scope=intercoms%3Aread%20intercoms%3Aunlock&prompt=none
--- more_headers
Cookie: $TEST_NGINX_JAR
--- error_code: 303
--- response_headers_like
Location: [?&]error=consent_required&

=== TEST 6: a client without consent (consent=off): the sign-in answers 303 with the code
--- init
page_vars($srv, @C3);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
--- request chomp
POST /authorize
client_id=c3&redirect_uri=https%3A%2F%2Fclient3.example%2Fcb&state=&scope=intercoms%3Aread&code_challenge=&code_challenge_method=&response_type=code&prompt=&csrf_token=$TEST_NGINX_CSRF&email=owner%40example.com&password=correct%20horse%20battery
--- error_code: 303
--- response_headers_like
Location: ^https://client3\.example/cb\?code=[A-Za-z0-9_-]{51}&iss=http%3A%2F%2Flocalhost$

=== TEST 7: consent=off with a session and prompt=none: 303 and a code without any page
--- init
my ($jar) = signed_in($srv);
$srv->set_var(JAR => $jar);
--- request
GET /authorize?client_id=c3&response_type=code&redirect_uri=https%3A%2F%2Fclient3.example%2Fcb&prompt=none
--- more_headers
Cookie: $TEST_NGINX_JAR
--- error_code: 303
--- response_headers_like
Location: ^https://client3\.example/cb\?code=[A-Za-z0-9_-]{51}&iss=http%3A%2F%2Flocalhost$

=== TEST 8: the session cookie as issued: 303, a code
--- init
my (undef, $session) = signed_in($srv);
$srv->set_var(SESSION => $session);
--- request
GET /authorize?client_id=c3&response_type=code&redirect_uri=https%3A%2F%2Fclient3.example%2Fcb&prompt=none
--- more_headers
Cookie: seam_oauth_session=$TEST_NGINX_SESSION
--- error_code: 303
--- response_headers_like
Location: ^https://client3\.example/cb\?code=[A-Za-z0-9_-]{51}&iss=http%3A%2F%2Flocalhost$

=== TEST 9: while that session lives, a cookie of its length with its random part altered (a key next to the live one) is no session: 303, login_required, no code
--- init
my (undef, $session) = signed_in($srv);
substr($session, 30, 1) = substr($session, 30, 1) eq 'B' ? 'C' : 'B';
$srv->set_var(SESSION => $session);
--- request
GET /authorize?client_id=c3&response_type=code&redirect_uri=https%3A%2F%2Fclient3.example%2Fcb&prompt=none
--- more_headers
Cookie: seam_oauth_session=$TEST_NGINX_SESSION
--- error_code: 303
--- response_headers_like
Location: ^https://client3\.example/cb\?error=login_required&error_description=[^&]*&iss=http%3A%2F%2Flocalhost$

=== TEST 10: while that session lives, a made-up cookie of its length is no session: 303, login_required, no code
--- init
signed_in($srv);
--- request
GET /authorize?client_id=c3&response_type=code&redirect_uri=https%3A%2F%2Fclient3.example%2Fcb&prompt=none
--- more_headers eval
"Cookie: seam_oauth_session=" . ('A' x 51)
--- error_code: 303
--- response_headers_like
Location: ^https://client3\.example/cb\?error=login_required&error_description=[^&]*&iss=http%3A%2F%2Flocalhost$

=== TEST 11: prompt=consent asks even a consent=off client
--- init
my ($jar) = signed_in($srv);
$srv->set_var(JAR => $jar);
--- request
GET /authorize?client_id=c3&response_type=code&redirect_uri=https%3A%2F%2Fclient3.example%2Fcb&prompt=consent
--- more_headers
Cookie: $TEST_NGINX_JAR
--- error_code: 200
--- response_body_like: name="decision"

=== TEST 12: a decision without a session gets the login form back, asked to sign in again, never a code
--- init
page_vars($srv, @PARAMS);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=c-1&scope=intercoms%3Aread%20intercoms%3Aunlock&code_challenge=&code_challenge_method=&response_type=code&prompt=&csrf_token=$TEST_NGINX_CSRF&decision=approve
--- error_code: 200
--- response_headers
!Location
--- response_body_like: sign in again

=== TEST 13: a decision needs the CSRF token as much as the password does: approve with a bad one and a session: 403
--- init
my (undef, $session) = signed_in($srv);
page_vars($srv, @PARAMS);
$srv->set_var(SESSION => $session);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: seam_oauth_session=$TEST_NGINX_SESSION; $TEST_NGINX_COOKIE
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=c-1&scope=intercoms%3Aread%20intercoms%3Aunlock&code_challenge=&code_challenge_method=&response_type=code&prompt=&csrf_token=x&decision=approve
--- error_code: 403

=== TEST 14: an unknown decision: 400
--- init
my (undef, $session) = signed_in($srv);
page_vars($srv, @PARAMS);
$srv->set_var(SESSION => $session);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: seam_oauth_session=$TEST_NGINX_SESSION; $TEST_NGINX_COOKIE
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=c-1&scope=intercoms%3Aread%20intercoms%3Aunlock&code_challenge=&code_challenge_method=&response_type=code&prompt=&csrf_token=$TEST_NGINX_CSRF&decision=maybe
--- error_code: 400

=== TEST 15: the session expires (3 s here): the login form again
--- init
my ($jar) = signed_in($srv);
$srv->set_var(JAR => $jar);
sleep 3.5;
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=c-1&scope=intercoms%3Aread%20intercoms%3Aunlock
--- more_headers
Cookie: $TEST_NGINX_JAR
--- error_code: 200
--- response_body_like: name="password"

=== TEST 16: a forged session cookie is ignored (one of the earlier length, 43 characters, is dropped before any lookup): the login form
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=c-1&scope=intercoms%3Aread%20intercoms%3Aunlock
--- more_headers eval
"Cookie: seam_oauth_session=" . ('A' x 43)
--- error_code: 200
--- response_body_like: name="password"
