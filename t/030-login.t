# POST /authorize: CSRF first, then the owner's credentials (argon2id in the
# thread pool), then a 303 with a single-use code and the state
# (security.md rows 19-22).
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

my $n = start_nginx(http_config => http_config(), config => server_config(),
                    workers => 2, users => ["$OWNER $PASSWORD", "other\@example.com another-password"]);

# row 22: success
my $r = login($n, params => [ redirect_uri => $SEAM_REDIRECT, state => 'st "1"&x' ]);
is($r->{status}, 303, 'row 22: sign-in answers 303');
my ($base, $q) = parse_location($r->{header}->('location'));
is($base, 'https://connect.integrations.getseam.com/oauth/cb', 'to the redirect_uri');
like($r->{header}->('location'), qr/\?session=s1&code=[A-Za-z0-9_-]{51}&state=st%20%221%22%26x&iss=http%3A%2F%2Flocalhost$/,
     'code, state and iss appended with & after the existing query, percent-encoded');
is($q->{state}, 'st "1"&x', 'state round trip');
is($r->{header}->('referrer-policy'), 'no-referrer', 'row 22: Referrer-Policy on the redirect');
is($r->{header}->('x-frame-options'), 'DENY', 'row 21: X-Frame-Options on the redirect');

# no state: no state parameter at all
my (undef, $q_nostate) = obtain_code($n, params => [ redirect_uri => 'https://x.integrations.getseam.com/cb' ]);
ok(!exists $q_nostate->{state}, 'no state sent: none added');

# wrong password and unknown e-mail: the same page, one generic message
my $wrong = login($n, password => 'not the password');
my $unknown = login($n, email => 'nobody@example.com');
is($wrong->{status}, 200, 'wrong password: the page again');
ok(!defined $wrong->{header}->('location'), 'wrong password: no redirect');
like($wrong->{body}, qr/The e-mail or password is incorrect\./, 'wrong password: generic message');
is($unknown->{status}, 200, 'unknown e-mail: the page again');
ok(!defined $unknown->{header}->('location'), 'unknown e-mail: no redirect');
(my $w = $wrong->{body}) =~ s/value="\d+\.[^"]*"//;
(my $u = $unknown->{body}) =~ s/value="\d+\.[^"]*"//;
$u =~ s/nobody\@example\.com/$OWNER/;
is($u, $w, 'unknown e-mail and wrong password give the same page');
like($wrong->{body}, qr/name="email" value="\Q$OWNER\E"/, 'the e-mail is kept in the form');
is($wrong->{header}->('x-frame-options'), 'DENY', 'row 21: failed sign-in page is not framable');

# the e-mail is compared case-insensitively
is(login($n, email => uc $OWNER)->{status}, 303, 'e-mail case does not matter');

# the code is bound to the owner: another owner gets another user_id
my $t1 = exchange($n, scalar obtain_code($n));
my $t2 = exchange($n, scalar obtain_code($n, email => 'other@example.com', password => 'another-password'));
like($t1->{json}{user_id}, qr/^u_[0-9a-f]{32}$/, 'user_id is a stable opaque id');
isnt($t1->{json}{user_id}, $t2->{json}{user_id}, 'owners have distinct user_ids');
is(exchange($n, scalar obtain_code($n))->{json}{user_id}, $t1->{json}{user_id},
   'the same owner gets the same user_id every time');
unlike($t1->{json}{user_id}, qr/example/, 'user_id does not depend on the e-mail');

# passwords are hashed with argon2id in the store, never kept
my (undef, $users) = cli($n, 'user', 'list');
like($users, qr/^\Q$OWNER\E\tu_[0-9a-f]{32}\t/m, 'the CLI lists the owner with its user_id');

$n->stop;
$n->assert_clean_log;

# seam_oauth_hash_thread_pool: sign-ins hash in a pool of their own. With
# one thread and a queue of one, a burst of sign-ins finds it full: some
# are refused with 503 and the log names that pool, while the bearer
# check (no pool) and the others go on.
my $h = start_nginx(main_config => 'thread_pool seam_hash threads=1 max_queue=1;',
                    http_config => http_config(extra => 'seam_oauth_hash_thread_pool seam_hash;'),
                    config => server_config(), workers => 1, users => ["$OWNER $PASSWORD"]);
is(login($h)->{status}, 303, 'hash pool: a sign-in hashes there and succeeds');
my $form_page = http($h, 'GET', '/authorize?' . form_encode(redirect_uri => $SEAM_REDIRECT));
my $form_cookie = cookies_of($form_page);
my @burst = http_parallel($h, [ map {
    [ 'POST', '/authorize',
      headers => [ 'Content-Type' => 'application/x-www-form-urlencoded', Cookie => $form_cookie ],
      body => form_encode(Test::Nginx::SeamFlow::_hidden_fields($form_page->{body}),
                          email => $OWNER, password => $PASSWORD) ]
} 1 .. 6 ]);
# signed in: the consent page (or a redirect when no consent is due)
my @served = grep { ($_->{status} // 0) == 303
                    || (($_->{status} // 0) == 200 && $_->{body} =~ /name="decision"/) } @burst;
my @refused = grep { ($_->{status} // 0) == 503 } @burst;
ok(@served >= 1, 'hash pool: the burst signs some owners in (' . scalar(@served) . ' of 6)');
ok(@refused >= 1, 'hash pool: and the full queue refuses others with 503 (' . scalar(@refused) . ')');
is(@served + @refused, 6, 'hash pool: every answer is one or the other');
like($h->error_log, qr/cannot post a task to thread pool "seam_hash"/, 'hash pool: the log names the pool');
$h->stop;

# row 19 (CSRF) and the POST's other refusals: data blocks, each after
# loading the login page for its CSRF cookie and token
$Test::Nginx::Seam::DEFAULT{http_config} = http_config();
$Test::Nginx::Seam::DEFAULT{config} = server_config();
$Test::Nginx::Seam::DEFAULT{workers} = 2;
$Test::Nginx::Seam::DEFAULT{user} = "$OWNER $PASSWORD";
# for --- init: the login page's CSRF cookie and token
sub page_vars {
    my ($srv, %alter) = @_;
    my (undef, $cookie, $csrf) = login_page($srv);
    $csrf =~ s/.$/$& eq 'A' ? 'B' : 'A'/e if $alter{csrf};
    $srv->set_var(COOKIE => $cookie, CSRF => $csrf);
}
run_tests();
done_testing();

__DATA__

=== TEST 1: row 19: no CSRF token: 403
--- init
page_vars($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=st-1&response_type=code&email=owner%40example.com&password=correct%20horse%20battery
--- error_code: 403

=== TEST 2: row 19: no cookie: 403
--- init
page_vars($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=st-1&response_type=code&email=owner%40example.com&password=correct%20horse%20battery&csrf_token=$TEST_NGINX_CSRF
--- error_code: 403

=== TEST 3: row 19: an altered CSRF token: 403
--- init
page_vars($srv, csrf => 'altered');
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=st-1&response_type=code&email=owner%40example.com&password=correct%20horse%20battery&csrf_token=$TEST_NGINX_CSRF
--- error_code: 403

=== TEST 4: row 19: another cookie: 403
--- init
page_vars($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: seam_oauth_csrf=AAAAAAAAAAAAAAAAAAAAAA
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=st-1&response_type=code&email=owner%40example.com&password=correct%20horse%20battery&csrf_token=$TEST_NGINX_CSRF
--- error_code: 403

=== TEST 5: row 19: a cross-site Origin: 403, no redirect; row 21: the 403 page is not framable (X-Frame-Options, CSP frame-ancestors); item 8: it sends no referrer to other sites
--- init
page_vars($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
Origin: https://evil.example
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=st-1&response_type=code&email=owner%40example.com&password=correct%20horse%20battery&csrf_token=$TEST_NGINX_CSRF
--- error_code: 403
--- response_headers
!Location
X-Frame-Options: DENY
Referrer-Policy: same-origin
--- response_headers_like
Content-Security-Policy: frame-ancestors 'none'

=== TEST 6: row 19: Sec-Fetch-Site, which browsers compute themselves, outranks Origin: cross-site with a good token: 403
--- init
page_vars($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
Origin: http://localhost
Sec-Fetch-Site: cross-site
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=st-1&response_type=code&email=owner%40example.com&password=correct%20horse%20battery&csrf_token=$TEST_NGINX_CSRF
--- error_code: 403

=== TEST 7: row 19: Sec-Fetch-Site: same-site (a sibling subdomain): 403
--- init
page_vars($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
Origin: null
Sec-Fetch-Site: same-site
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=st-1&response_type=code&email=owner%40example.com&password=correct%20horse%20battery&csrf_token=$TEST_NGINX_CSRF
--- error_code: 403

=== TEST 8: row 19: Origin null (a no-referrer policy, a sandboxed frame) says nothing, the token decides: without a token: 403
--- init
page_vars($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
Origin: null
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=st-1&response_type=code&email=owner%40example.com&password=correct%20horse%20battery
--- error_code: 403

=== TEST 9: row 19: Origin null with an altered token: 403
--- init
page_vars($srv, csrf => 'altered');
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
Origin: null
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=st-1&response_type=code&email=owner%40example.com&password=correct%20horse%20battery&csrf_token=$TEST_NGINX_CSRF
--- error_code: 403

=== TEST 10: Origin null with a good token: signed in (the consent page)
--- init
page_vars($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
Origin: null
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=st-1&response_type=code&email=owner%40example.com&password=correct%20horse%20battery&csrf_token=$TEST_NGINX_CSRF
--- response_body_like: name="decision"

=== TEST 11: no Origin (curl, OAuth libraries) with a good token: signed in
--- init
page_vars($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=st-1&response_type=code&email=owner%40example.com&password=correct%20horse%20battery&csrf_token=$TEST_NGINX_CSRF
--- response_body_like: name="decision"

=== TEST 12: row 19: Origin on a longer host: 403
--- init
page_vars($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
Origin: http://localhost.evil.example
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=st-1&response_type=code&email=owner%40example.com&password=correct%20horse%20battery&csrf_token=$TEST_NGINX_CSRF
--- error_code: 403

=== TEST 13: row 19: the token is bound to the request it was issued for: a token for another redirect_uri: 403
--- init
page_vars($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fevil.integrations.getseam.com%2Fcb&state=st-1&response_type=code&csrf_token=$TEST_NGINX_CSRF&email=owner%40example.com&password=correct%20horse%20battery
--- error_code: 403

=== TEST 14: what Chromium sends on the form's POST under the page's same-origin policy: same-origin Origin and a good token: signed in (the consent page)
--- init
page_vars($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
Origin: http://localhost
Sec-Fetch-Site: same-origin
Sec-Fetch-Mode: navigate
Referer: http://localhost/authorize?x=1
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=st-1&response_type=code&email=owner%40example.com&password=correct%20horse%20battery&csrf_token=$TEST_NGINX_CSRF
--- response_body_like: name="decision"

=== TEST 15: the same host over https (TLS ended in front of nginx): signed in
--- init
page_vars($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
Origin: https://localhost
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=st-1&response_type=code&email=owner%40example.com&password=correct%20horse%20battery&csrf_token=$TEST_NGINX_CSRF
--- response_body_like: name="decision"

=== TEST 16: no credential is checked before the CSRF check: forged POSTs (the second with a wrong password) get 403 and never reach the password check
--- init
page_vars($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
--- pipelined_requests eval
["POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=st-1&response_type=code&email=owner%40example.com&password=correct%20horse%20battery&password2=x",
 "POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=st-1&response_type=code&email=owner%40example.com&password=wrong&csrf_token=x"]
--- error_code eval
[403, 403]
--- no_error_log
failed sign-in

=== TEST 17: a bad redirect_uri in the POST is refused on our page, never redirected
--- init
page_vars($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&response_type=code&csrf_token=$TEST_NGINX_CSRF&email=owner%40example.com&password=correct%20horse%20battery
--- error_code: 400
--- response_headers
!Location

=== TEST 18: a parameter twice in the body: 400, and the page says which
--- init
page_vars($srv);
--- more_headers
Content-Type: application/x-www-form-urlencoded
Cookie: $TEST_NGINX_COOKIE
--- request chomp
POST /authorize
client_id=seam&redirect_uri=https%3A%2F%2Fconnect.integrations.getseam.com%2Foauth%2Fcb%3Fsession%3Ds1&state=st-1&response_type=code&email=owner%40example.com&password=correct%20horse%20battery&csrf_token=$TEST_NGINX_CSRF&password=x
--- error_code: 400
--- response_body_like: password given more than once
