# POST /authorize: CSRF first, then the owner's credentials (argon2id in the
# thread pool), then a 303 with a single-use code and the state
# (security.md rows 19-22).
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

plan tests => 53;

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

# row 19: CSRF
my ($page, $cookie, $csrf) = login_page($n);
my @fields = (client_id => 'seam', redirect_uri => $SEAM_REDIRECT, state => 'st-1',
              response_type => 'code', email => $OWNER, password => $PASSWORD);
my $post = sub {
    my (%o) = @_;
    return http($n, 'POST', '/authorize',
        headers => [ 'Content-Type' => 'application/x-www-form-urlencoded',
                     ($o{cookie} ? (Cookie => $o{cookie}) : ()), @{ $o{headers} || [] } ],
        body => form_encode(@fields, (defined $o{csrf} ? (csrf_token => $o{csrf}) : ()),
                            @{ $o{extra} || [] }));
};
is($post->(cookie => $cookie)->{status}, 403, 'row 19: no CSRF token: 403');
is($post->(csrf => $csrf)->{status}, 403, 'row 19: no cookie: 403');
is($post->(cookie => $cookie, csrf => $csrf =~ s/.$/$& eq 'A' ? 'B' : 'A'/er)->{status}, 403,
   'row 19: altered CSRF token: 403');
is($post->(cookie => 'seam_oauth_csrf=AAAAAAAAAAAAAAAAAAAAAA', csrf => $csrf)->{status}, 403,
   'row 19: another cookie: 403');
my $forged = $post->(cookie => $cookie, csrf => $csrf, headers => [ Origin => 'https://evil.example' ]);
is($forged->{status}, 403, 'row 19: cross-site Origin: 403');
ok(!defined $forged->{header}->('location'), 'row 19: no redirect');
is($forged->{header}->('x-frame-options'), 'DENY', 'row 21: the 403 page is not framable');
like($forged->{header}->('content-security-policy'), qr/frame-ancestors 'none'/, 'row 21: and has CSP frame-ancestors');
is($forged->{header}->('referrer-policy'), 'same-origin', 'row 8: the 403 page sends no referrer to other sites');
# Sec-Fetch-Site, which browsers compute themselves, outranks Origin
is($post->(cookie => $cookie, csrf => $csrf,
           headers => [ Origin => 'http://localhost', 'Sec-Fetch-Site' => 'cross-site' ])->{status}, 403,
   'row 19: Sec-Fetch-Site: cross-site with a good token: 403');
is($post->(cookie => $cookie, csrf => $csrf,
           headers => [ Origin => 'null', 'Sec-Fetch-Site' => 'same-site' ])->{status}, 403,
   'row 19: Sec-Fetch-Site: same-site (a sibling subdomain): 403');
# Origin: null (a no-referrer policy, a sandboxed frame) says nothing: the
# token decides, as it does when no Origin is sent (curl, OAuth libraries)
is($post->(cookie => $cookie, headers => [ Origin => 'null' ])->{status}, 403,
   'row 19: Origin null without a token: 403');
is($post->(cookie => $cookie, csrf => $csrf =~ s/.$/$& eq 'A' ? 'B' : 'A'/er,
           headers => [ Origin => 'null' ])->{status}, 403,
   'row 19: Origin null with an altered token: 403');
like($post->(cookie => $cookie, csrf => $csrf, headers => [ Origin => 'null' ])->{body}, qr/name="decision"/,
   'Origin null with a good token: signed in (the consent page)');
like($post->(cookie => $cookie, csrf => $csrf)->{body}, qr/name="decision"/,
   'no Origin with a good token: signed in');
is($post->(cookie => $cookie, csrf => $csrf, headers => [ Origin => 'http://localhost.evil.example' ])->{status}, 403,
   'row 19: Origin on a longer host: 403');
# the token is bound to the request it was issued for
my $other = http($n, 'POST', '/authorize',
    headers => [ 'Content-Type' => 'application/x-www-form-urlencoded', Cookie => $cookie ],
    body => form_encode(client_id => 'seam', redirect_uri => 'https://evil.integrations.getseam.com/cb',
                        state => 'st-1', response_type => 'code', csrf_token => $csrf,
                        email => $OWNER, password => $PASSWORD));
is($other->{status}, 403, 'row 19: a token for another redirect_uri: 403');
# what Chromium sends on the form's POST under the page's same-origin policy
my $ok = $post->(cookie => $cookie, csrf => $csrf,
                 headers => [ Origin => 'http://localhost', 'Sec-Fetch-Site' => 'same-origin',
                              'Sec-Fetch-Mode' => 'navigate', Referer => 'http://localhost/authorize?x=1' ]);
like($ok->{body}, qr/name="decision"/, 'same-origin Origin and a good token: signed in (the consent page)');
like($post->(cookie => $cookie, csrf => $csrf, headers => [ Origin => 'https://localhost' ])->{body}, qr/name="decision"/,
   'same host over https (TLS ended in front of nginx): signed in');

# no credential is checked before the CSRF check: a forged POST with a
# wrong password gets 403 and no failed sign-in is logged for it
my $failed_before = () = $n->error_log =~ /failed sign-in/g;
$post->(cookie => $cookie, extra => [ password2 => 'x' ]);
@fields = (@fields[0 .. 9], password => 'wrong');
is($post->(cookie => $cookie, csrf => 'x')->{status}, 403, 'forged POST with a wrong password: 403');
select(undef, undef, undef, 0.3);
my $failed_after = () = $n->error_log =~ /failed sign-in/g;
is($failed_after, $failed_before, 'forged requests never reach the password check');
@fields = (@fields[0 .. 9], password => $PASSWORD);

# a bad redirect_uri in the POST is refused on our page, never redirected
my $bad = http($n, 'POST', '/authorize',
    headers => [ 'Content-Type' => 'application/x-www-form-urlencoded', Cookie => $cookie ],
    body => form_encode(client_id => 'seam', redirect_uri => 'https://evil.example/cb',
                        response_type => 'code', csrf_token => $csrf,
                        email => $OWNER, password => $PASSWORD));
is($bad->{status}, 400, 'POST with an unregistered redirect_uri: 400');
ok(!defined $bad->{header}->('location'), 'and no Location');

# duplicate parameters in the body
my $dup = http($n, 'POST', '/authorize',
    headers => [ 'Content-Type' => 'application/x-www-form-urlencoded', Cookie => $cookie ],
    body => form_encode(@fields, csrf_token => $csrf) . '&password=x');
is($dup->{status}, 400, 'POST with a parameter twice: 400');
like($dup->{body}, qr/password given more than once/, 'says which');

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
