# The end of an owner's access (security.md row 39, item 12's revocation):
# `seam-oauth user remove` and `grant revoke --user` leave the owner
# nothing: no code issued before redeems, no sign-in session mints one, no
# token works, no refresh token refreshes, and the grant list shows none.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

my $n = start_nginx(http_config => http_config(), config => server_config(),
                    workers => 2, users => ["$OWNER $PASSWORD"]);

# Signed in (the session cookie kept), with a token, a refresh token and a
# second code not yet redeemed: what the owner has when the operator acts.
sub owner_state {
    my ($srv) = @_;
    my ($code, undef, $r) = obtain_code($srv, params => [ redirect_uri => $SEAM_REDIRECT, state => 's' ]);
    my $tokens = exchange($srv, $code)->{json};
    my ($pending) = obtain_code($srv, params => [ redirect_uri => $SEAM_REDIRECT, state => 's' ],
                                cookie => $r->{cookie});
    return ($tokens, $pending, $r->{cookie});
}

# What a session cookie gets from /authorize: a consent page (it skipped
# the password) or the login page.
sub session_page {
    my ($srv, $cookie) = @_;
    my $r = http($srv, 'GET', '/authorize?' . form_encode(redirect_uri => $SEAM_REDIRECT, state => 's'),
                 headers => [ Cookie => $cookie ]);
    return $r->{body} =~ /name="decision"/ ? 'consent'
         : $r->{body} =~ /name="password"/ ? 'login' : "other $r->{status}";
}

sub refresh {
    my ($srv, $rt) = @_;
    return exchange($srv, undef, fields => [ grant_type => 'refresh_token', refresh_token => $rt,
                                             client_id => 'seam', client_secret => 'seamsecret' ]);
}

for my $how ('user remove', 'grant revoke --user') {
    my ($tokens, $pending, $cookie) = owner_state($n);
    is(api_call($n, $tokens->{access_token})->{status}, 200, "$how: before, the token works");
    is(session_page($n, $cookie), 'consent', "$how: before, the session skips the password");

    my ($rc, $out, $err) = cli($n, split(/ /, $how), $OWNER);
    is($rc, 0, "$how: the CLI does it") or diag("$out$err");

    my $late = exchange($n, $pending);
    is($late->{status}, 400, "$how: a code issued before does not redeem");
    is($late->{json}{error}, 'invalid_grant', "$how: invalid_grant");
    is(session_page($n, $cookie), 'login', "$how: the session no longer skips the password");
    is(api_call($n, $tokens->{access_token})->{status}, 401, "$how: the token is dead");
    is(refresh($n, $tokens->{refresh_token})->{json}{error}, 'invalid_grant',
       "$how: the refresh token does not refresh");
    (undef, $out) = cli($n, 'grant', 'list');
    is($out, '', "$how: no grant is left");

    if ($how eq 'user remove') {
        (undef, $out, $err) = cli($n, 'grant', 'revoke', '--user', $OWNER);
        like($err, qr/no owner \Q$OWNER\E/, 'a removed owner is no owner');
        # the same e-mail added again is a new owner, with a new user_id,
        # and none of the old one's access comes back
        cli($n, 'user', 'add', $OWNER, { stdin => "$PASSWORD\n" });
        is(session_page($n, $cookie), 'login', 'added again: the old session is still none');
    }
}

# An owner known only by its id (a device cloud's, issue 15's login check)
# is disconnected by that id.
my ($tokens) = owner_state($n);
my ($rc, $out) = cli($n, 'grant', 'revoke', '--user', $tokens->{user_id});
like($out, qr/^revoked 1 grant\(s\) of \Q$tokens->{user_id}\E$/m, 'grant revoke --user USER_ID');
is(api_call($n, $tokens->{access_token})->{status}, 401, 'by id: the token is dead');

$n->stop;
$n->assert_clean_log;

done_testing();
