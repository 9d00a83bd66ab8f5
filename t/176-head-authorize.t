# HEAD /authorize has no side effects: for an owner signed in, of a client
# that asks no consent, a GET issues a code at once; a HEAD (a link
# checker, a browser's prefetch) answers with the headers and issues none.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

my $n = start_nginx(http_config => http_config(), config => server_config(),
                    users => ["$OWNER $PASSWORD"]);
my @c3 = (client_id => 'c3', response_type => 'code', redirect_uri => 'https://client3.example/cb');
my $signed = login($n, params => \@c3);
is($signed->{status}, 303, 'signed in (consent=off: a code at once)');

sub codes { my (undef, $out) = cli($n, 'stats'); return ($out =~ /^codes\s+(\d+)/m)[0] }
my $before = codes();
my $head = http($n, 'HEAD', '/authorize?' . form_encode(@c3), headers => [ Cookie => $signed->{cookie} ]);
is($head->{status}, 200, 'HEAD with a session: 200');
ok(!defined $head->{header}->('location'), 'and no Location, no code');
is($head->{header}->('x-frame-options'), 'DENY', 'the page headers');
is(codes(), $before, 'no code was issued');
my $get = http($n, 'GET', '/authorize?' . form_encode(@c3), headers => [ Cookie => $signed->{cookie} ]);
like($get->{header}->('location') // '', qr/[?&]code=/, 'the same GET issues one');
is(codes(), $before + 1, 'one code more');
$n->stop;
$n->assert_clean_log;
done_testing();
