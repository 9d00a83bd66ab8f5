# Parallel guesses at one account (security.md item 29, row 20): an
# attempt is counted before its password is hashed, in the transaction
# that checks the lock, so no more than the limit are ever checked, however
# many arrive at once. Before, 40 parallel guesses were all checked.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

for my $pool ('the default pool', 'a one-thread hash pool') {
    my $one = $pool =~ /one-thread/;
    my $n = start_nginx(
        main_config => $one ? 'thread_pool seam_hash threads=1;' : '',
        http_config => http_config(extra => $one ? 'seam_oauth_hash_thread_pool seam_hash;' : ''),
        config => server_config(), workers => 2, users => ["$OWNER $PASSWORD"]);

    my $page = http($n, 'GET', '/authorize?' . form_encode(redirect_uri => $SEAM_REDIRECT, state => 's'));
    my $cookie = cookies_of($page);
    my @fields = Test::Nginx::SeamFlow::_hidden_fields($page->{body});
    my @guesses = http_parallel($n, [ map {
        [ 'POST', '/authorize',
          headers => [ 'Content-Type' => 'application/x-www-form-urlencoded', Cookie => $cookie ],
          body => form_encode(@fields, email => $OWNER, password => "guess $_") ]
    } 1 .. 40 ]);

    my $checked = grep { ($_->{status} // 0) == 200 && $_->{body} =~ /The e-mail or password is incorrect/ } @guesses;
    my $locked = grep { ($_->{status} // 0) == 429 } @guesses;
    is($checked + $locked, 40, "$pool: every guess answered, checked or locked out");
    ok($checked <= 5, "$pool: at most the limit (5) checked: $checked");
    ok($locked >= 35, "$pool: the rest locked out before the hash: $locked");
    $n->stop;
    my $failed = () = $n->error_log =~ /failed sign-in/g;
    is($failed, $checked, "$pool: the log has a failed sign-in for each checked guess");
    $n->assert_clean_log;
}

done_testing();
