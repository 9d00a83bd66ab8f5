# GET /authorize: the client and the redirect_uri are checked before anything
# is shown, and a bad one gets our 400 page, never a redirect (RFC 6749
# §4.1.2.1). Every hostile row 1-14 of security.md, against an exact
# registered URI (client c1) and against Seam's host pattern (client seam).
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

my $C1 = 'https://integrations.getseam.com/cb';

# [ client_id, redirect_uri, why ]; client_id undef: omitted (Seam's guide)
my @refused = (
    # row 1-3: other hosts, suffix and prefix tricks
    [ c1 => 'https://evil.example/cb', 'row 1: foreign host' ],
    [ c1 => 'https://evil-integrations.getseam.com/cb', 'row 2: suffix match' ],
    [ c1 => 'https://integrations.getseam.com.evil.example/cb', 'row 3: prefix match' ],
    # row 4-5: userinfo and backslashes
    [ c1 => 'https://integrations.getseam.com@evil.example/cb', 'row 4: userinfo' ],
    [ c1 => 'https://evil.example\\@integrations.getseam.com/cb', 'row 5: backslash before @' ],
    [ c1 => 'https://integrations.getseam.com\\.evil.example/cb', 'row 5: backslash in host' ],
    # row 6-7: exact match means exact
    [ c1 => 'https://integrations.getseam.com/cb/../../evil', 'row 6: dot segments' ],
    [ c1 => 'https://integrations.getseam.com/cb/extra', 'row 6: longer path' ],
    [ c1 => 'https://integrations.getseam.com/cb/', 'row 6: trailing slash' ],
    [ c1 => 'https://integrations.getseam.com/cb?x=1', 'row 6: added query' ],
    [ c1 => 'https://INTEGRATIONS.getseam.com/cb', 'row 7: host case' ],
    [ c1 => 'https://integrations.getseam.com/CB', 'row 7: path case' ],
    # row 8: percent-encoding, never decoded twice
    [ c1 => 'https://integrations.getseam.com%2Fcb', 'row 8: %2F' ],
    [ c1 => 'https://integrations.getseam.com%40evil.example/cb', 'row 8: %40' ],
    [ c1 => 'https://integrations.getseam.com/%2e%2e/cb', 'row 8: %2e%2e' ],
    [ c1 => 'https://integrations.getseam.com/cb%252F', 'row 8: double encoding' ],
    [ c1 => 'https://integrations.getseam.com%2F@evil.example', 'row 8: %2F@' ],
    # row 9-11
    [ c1 => 'https://integrations.getseam.com/cb#x', 'row 9: fragment' ],
    [ c1 => "https://integrations.getse\x{d0}\x{b5}am.com/cb", 'row 10: Cyrillic e' ],
    [ c1 => 'https://xn--integrations-9ib.getseam.com/cb', 'row 10: xn-- form' ],
    [ c1 => 'http://integrations.getseam.com/cb', 'row 11: plain http' ],
    [ c1 => 'javascript:alert(1)', 'row 11: javascript:' ],
    [ c1 => 'data:text/html,<script>alert(1)</script>', 'row 11: data:' ],
    [ c1 => '//evil.example', 'row 11: scheme-relative' ],
    # row 14: loopback client, only the port may differ
    [ c1 => 'http://127.0.0.1:5555/cb?other=1', 'row 14: loopback with a query' ],
    [ c1 => 'http://127.0.0.2:5555/cb', 'row 14: other loopback address' ],
    # Seam's host pattern: the same tricks
    [ undef, 'https://evil.example/cb', 'pattern: foreign host' ],
    [ undef, 'https://evil-integrations.getseam.com/cb', 'pattern: no label boundary' ],
    [ undef, 'https://integrations.getseam.com/cb', 'pattern: no label before the suffix' ],
    [ undef, 'https://x.integrations.getseam.com.evil.example/cb', 'pattern: prefix match' ],
    [ undef, 'https://x.integrations.getseam.com@evil.example/cb', 'pattern: userinfo' ],
    [ undef, 'https://evil.example@x.integrations.getseam.com/cb', 'pattern: userinfo before host' ],
    [ undef, 'https://evil.example\\@x.integrations.getseam.com/cb', 'pattern: backslash' ],
    [ undef, 'https://x.integrations.getseam.com\\.evil.example/cb', 'pattern: backslash in host' ],
    [ undef, 'https://X.integrations.getseam.com/cb', 'pattern: upper-case host' ],
    [ undef, 'https://x%2eintegrations.getseam.com/cb', 'pattern: encoded dot in host' ],
    [ undef, 'https://x.integrations.getseam.com%2F@evil.example/', 'pattern: %2F@' ],
    [ undef, 'https://x.integrations.getseam.com/cb/../../evil', 'pattern: dot segments' ],
    [ undef, 'https://x.integrations.getseam.com/%2e%2e/evil', 'pattern: encoded dot segment' ],
    [ undef, 'https://x.integrations.getseam.com/cb%2F..%2Fevil', 'pattern: encoded slash' ],
    [ undef, 'https://x.integrations.getseam.com/cb#frag', 'pattern: fragment' ],
    [ undef, "https://x.integrations.getse\x{d0}\x{b5}am.com/cb", 'pattern: Cyrillic e' ],
    [ undef, 'http://x.integrations.getseam.com/cb', 'pattern: plain http' ],
    [ undef, 'https://x.integrations.getseam.com:8443/cb', 'pattern: port' ],
    [ undef, 'https://x.integrations.getseam.com:443/cb', 'pattern: explicit default port' ],
    [ undef, 'https://-x.integrations.getseam.com/cb', 'pattern: label starting with -' ],
    [ undef, 'https://x..integrations.getseam.com/cb', 'pattern: empty label' ],
    [ undef, 'https://[::1]/cb', 'pattern: IP literal' ],
    [ undef, 'javascript://x.integrations.getseam.com/%0aalert(1)', 'pattern: javascript scheme' ],
    [ undef, '//x.integrations.getseam.com/cb', 'pattern: scheme-relative' ],
    [ undef, 'https://x.integrations.getseam.com/c b', 'pattern: space' ],
    [ undef, "https://x.integrations.getseam.com/cb\r\nSet-Cookie: a=1", 'pattern: CRLF' ],
    [ undef, '', 'pattern: empty redirect_uri' ],
);

my @accepted = (
    [ c1 => $C1, 'exact URI' ],
    [ c1 => 'http://127.0.0.1/cb', 'loopback as registered' ],
    [ c1 => 'http://127.0.0.1:5555/cb', 'row 14: loopback, other port' ],
    [ undef, 'https://x.integrations.getseam.com/cb', 'pattern: one label' ],
    [ undef, 'https://a.b-c.integrations.getseam.com/any/path?session=1&x=%20', 'pattern: two labels, query' ],
    [ undef, 'https://x.integrations.getseam.com', 'pattern: no path' ],
);

plan tests => 3 * @refused + 2 * @accepted + 8;

my $n = start_nginx(http_config => http_config(), config => server_config());

for my $t (@refused) {
    my ($client, $uri, $why) = @$t;
    my $r = http($n, 'GET', '/authorize?' . form_encode(
        (defined $client ? (client_id => $client) : ()),
        response_type => 'code', redirect_uri => $uri, state => 's'));
    is($r->{status}, 400, "$why: 400");
    ok(!defined $r->{header}->('location'), "$why: no Location");
    like($r->{body}, qr/redirect_uri/, "$why: our error page says why");
}

for my $t (@accepted) {
    my ($client, $uri, $why) = @$t;
    my $r = http($n, 'GET', '/authorize?' . form_encode(
        (defined $client ? (client_id => $client) : ()),
        response_type => 'code', redirect_uri => $uri, state => 's'));
    is($r->{status}, 200, "$why: login page");
    like($r->{body}, qr/<form method="post"/, "$why: has the form");
}

# row 12: redirect_uri twice, one good and one evil, either order
for my $order ([$C1, 'https://evil.example/cb'], ['https://evil.example/cb', $C1]) {
    my $r = http($n, 'GET', '/authorize?client_id=c1&response_type=code&'
        . join('&', map { 'redirect_uri=' . Test::Nginx::Seam::_uri_escape($_) } @$order));
    is($r->{status}, 400, 'row 12: redirect_uri twice: 400');
    ok(!defined $r->{header}->('location'), 'row 12: no Location');
}

# a redirect from a validated request, built from the checked parts
my $r = http($n, 'GET', '/authorize?' . form_encode(
    response_type => 'token', redirect_uri => 'https://x.integrations.getseam.com/cb?session=1',
    state => 'a&b=c'));
is($r->{status}, 303, 'validated redirect_uri: errors go back by redirect');
is($r->{header}->('location'),
   'https://x.integrations.getseam.com/cb?session=1&error=unsupported_response_type'
   . '&error_description=only%20response_type%3Dcode%20is%20supported&state=a%26b%3Dc'
   . '&iss=http%3A%2F%2Flocalhost',
   'Location: & after the existing query, values percent-encoded, iss (RFC 9207)');

$n->stop;
$n->assert_clean_log;
