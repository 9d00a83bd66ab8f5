# seam_oauth_login_check: owners sign in with the device cloud's own
# accounts. The login form's identifier and password go, as JSON, by an
# internal subrequest to a location that proxies the device cloud's login
# API (here a real HTTP service, t/tools/login_service.py), and the id it
# answers is the owner everywhere: the token, introspection,
# $seam_oauth_user_id, sessions, grant list, grant revoke --user. Two
# workers, as in production.

use strict;
use warnings;
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;
use Test::Nginx::LoginService;
use Test::More;
use Encode qw(encode_utf8 decode_utf8);
use File::Find ();

my $svc = Test::Nginx::LoginService->start;

my %accounts = (
    'alice@example.com' => { password => 'alice pass', id => 'cust-42' },
    'bob' => { password => 'bob pass', body => '{"user_id": 1234567, "name": "Bob"}' },
    'carol@example.com' => { password => 'carol pass', id => 'c-1', wrong_status => 403 },
    'dave@example.com' => { password => 'dave pass', id => 'd-1', wrong_status => 404 },
    'err500@example.com' => { password => 'pw', status => 500, body => '{"error":"boom"}' },
    'slow@example.com' => { password => 'pw', id => 'slow-1', delay => 3 },
    'notjson@example.com' => { password => 'pw', body => 'user_id=x' },
    'array@example.com' => { password => 'pw', body => '[{"user_id":"x"}]' },
    'missing@example.com' => { password => 'pw', body => '{"id":"x"}' },
    'empty@example.com' => { password => 'pw', body => '{"user_id":""}' },
    'long@example.com' => { password => 'pw', id => 'x' x 256 },
    'float@example.com' => { password => 'pw', body => '{"user_id":4.5}' },
    'ctl@example.com' => { password => 'pw', id => "a\tb" },
    'bool@example.com' => { password => 'pw', body => '{"user_id":true}' },
    'huge@example.com' => { password => 'pw', pad => 1024 * 1024 },
    'big@example.com' => { password => 'pw', pad => 10000, id => 'big-1' },
    'moved@example.com' => { password => 'pw', status => 302, body => '{"user_id":"x"}' },
    'field@example.com' => { password => 'pw', body => '{"user_id":"not-this","customer_id":"cust-7"}' },
    'throttle@example.com' => { password => 'right one', id => 't-1' },
    '+1 555 0100' => { password => 'phone pass', id => 'phone-1' },
);
$svc->accounts(\%accounts);

# the byte-exact account: quotes, backslashes, non-ASCII and +
my $odd_id = decode_utf8(qq{o"d\\d+\x{c3}\x{a9}\@example.com});
my $odd_pw = decode_utf8(qq{p"a\\s+s w\x{c3}\x{b6}rd\x{e2}\x{82}\x{ac}});
$svc->accounts({ %accounts, $odd_id => { password => $odd_pw, id => 'odd-1' } });

my $port = $svc->port;

# The example location of conf/seam-login-check.conf, and then some: the
# headers a careless location would pass on (none of them arrives), and
# any body it reads kept on disk (so that a test can look for one).
sub check_location {
    my (%o) = @_;
    my $target = $o{target} // "127.0.0.1:$port";
    return <<"C";
location = /_device_cloud/login {
    internal;
    proxy_pass http://$target/api/login;
    proxy_set_header Cookie \$http_cookie;
    proxy_set_header Authorization \$http_authorization;
    proxy_set_header X-Device-Cloud-Key demo-key;
    proxy_set_header X-Owner-Address \$remote_addr;
    proxy_read_timeout 1s;
    proxy_connect_timeout 1s;
    subrequest_output_buffer_size @{[ $o{buffer} // '16k' ]};
    client_body_in_file_only on;
    access_log off;
}
C
}

sub server {
    my (%o) = @_;
    my $check = $o{check} // 'seam_oauth_login_check /_device_cloud/login;';
    return start_nginx(
        workers => 2,
        http_config => http_config(extra => ($o{extra} // '')
            . "error_log \$TEST_NGINX_SERVROOT/logs/error.log info;\n"
            . "error_log \$TEST_NGINX_SERVROOT/logs/debug.log debug;\n"
            . "access_log \$TEST_NGINX_SERVROOT/logs/access.log;\n"),
        config => "location = /authorize { seam_oauth_authorize; $check }\n"
            . server_config() =~ s/^location = \/authorize .*\n//mr
            . check_location(%o),
        users => $o{users},
    );
}

my $n = server();

sub sign_in {
    my ($srv, $email, $password, %o) = @_;
    return login($srv, email => $email, password => $password, consent => 'none', %o);
}

# Signed in: the consent page Seam's first connection gets, or the code.
sub signed_in {
    my ($r) = @_;
    return $r->{status} == 303
        || ($r->{status} == 200 && $r->{body} =~ /name="decision"/);
}

sub code_of {
    my ($r) = @_;
    return undef unless $r->{status} == 303;
    my (undef, $q) = parse_location($r->{header}->('location'));
    return $q->{code};
}

# The sign-in through to a token, and the token's owner in every place
# it is read.
sub owner_everywhere {
    my ($srv, $email, $password, $id, $name) = @_;
    my $r = login($srv, email => $email, password => $password);
    is($r->{status}, 303, "$name: signed in, sent back to Seam") or diag($r->{body});
    my $code = code_of($r);
    my $t = exchange($srv, $code);
    is($t->{status}, 200, "$name: the code redeems");
    is($t->{json}{user_id}, $id, "$name: the token response's user_id is the device cloud's id");
    my $i = http($srv, 'POST', '/oauth/introspect',
        headers => [ 'Content-Type' => 'application/x-www-form-urlencoded' ],
        body => form_encode(token => $t->{json}{access_token},
                            client_id => 'seam', client_secret => 'seamsecret'));
    my $sub = (json($i->{body}) || {})->{sub};
    is($sub, $id, "$name: introspection's sub is that id");
    my $api = api_call($srv, $t->{json}{access_token});
    is($api->{status}, 200, "$name: the device API answers the token");
    like($api->{body}, qr/user=\Q$id\E /, "$name: the device API gets the id (\$seam_oauth_user_id)");
    return $t->{json};
}

# ---------------------------------------------------------------- success

subtest 'the login page asks for any account name' => sub {
    my ($page) = login_page($n);
    like($page->{body}, qr/<input type="text" name="email"/, 'a text field, not type=email');
    like($page->{body}, qr/E-mail or user name/, 'labelled for user names too');
};

subtest 'a string user_id' => sub {
    $svc->forget;
    owner_everywhere($n, 'alice@example.com', 'alice pass', 'cust-42', 'string');
    my @req = $svc->requests;
    is(scalar @req, 1, 'one request to the login API');
    is($req[0]{method}, 'POST', 'a POST');
    is($req[0]{path}, '/api/login', 'to the location\'s proxy_pass');
    my %h = map { lc $_->[0] => $_->[1] } @{ $req[0]{headers} };
    is($h{'content-type'}, 'application/json', 'Content-Type: application/json');
    is($h{'x-device-cloud-key'}, 'demo-key', 'the location\'s own header arrives');
    is($h{'x-owner-address'}, '127.0.0.1', 'the owner\'s address is $remote_addr');
    is_deeply($req[0]{json}, { email => 'alice@example.com', password => 'alice pass',
                               client_id => 'seam' }, 'the JSON body');
};

subtest 'an integer user_id is its decimal string' => sub {
    owner_everywhere($n, 'bob', 'bob pass', '1234567', 'integer');
};

subtest 'a phone number as the account name' => sub {
    owner_everywhere($n, '+1 555 0100', 'phone pass', 'phone-1', 'phone');
};

subtest 'an answer of 10 KiB is read whole' => sub {
    owner_everywhere($n, 'big@example.com', 'pw', 'big-1', '10 KiB');
};

subtest 'quotes, backslashes, non-ASCII and + arrive byte-exact' => sub {
    $svc->forget;
    my $r = login($n, email => encode_utf8($odd_id), password => encode_utf8($odd_pw));
    is($r->{status}, 303, 'signed in') or diag($r->{body});
    my ($req) = $svc->requests;
    is($req->{json}{email}, $odd_id, 'the identifier as typed');
    is($req->{json}{password}, $odd_pw, 'the password as typed');
    my $t = exchange($n, code_of($r));
    is($t->{json}{user_id}, 'odd-1', 'the owner is the id answered');
};

subtest 'the login API gets no cookie and no Authorization' => sub {
    $svc->forget;
    my $r = login($n, email => 'alice@example.com', password => 'alice pass',
                  consent => 'none',
                  headers => [ Authorization => 'Basic c2VjcmV0OnNlY3JldA==',
                               'User-Agent' => 'Mozilla/5.0 (test)' ],
                  cookie => 'theme=dark; tracking=abc123');
    ok(signed_in($r), 'signed in');
    my ($req) = $svc->requests;
    my %h = map { lc $_->[0] => $_->[1] } @{ $req->{headers} };
    ok(!exists $h{cookie}, 'no Cookie header, though the location passes $http_cookie')
        or diag("Cookie: $h{cookie}");
    ok(!exists $h{authorization}, 'no Authorization header, though the location passes it');
    unlike(join("\n", map { "@$_" } @{ $req->{headers} }), qr/seam_oauth|abc123|c2VjcmV0/,
           'no cookie of the browser in any header');
    is($h{'user-agent'}, 'Mozilla/5.0 (test)', 'the browser\'s User-Agent arrives');
};

# ---------------------------------------------------------------- wrong

for my $case (['alice@example.com', 401], ['carol@example.com', 403],
              ['dave@example.com', 404], ['nobody@example.com', 401]) {
    my ($email, $status) = @$case;
    subtest "a wrong password answered $status" => sub {
        my $r = sign_in($n, $email, 'not the password');
        is($r->{status}, 200, 'the login page again');
        like($r->{body}, qr/The e-mail or password is incorrect/, 'the generic wrong-credentials message');
        unlike($r->{body}, qr/name="decision"/, 'no consent page');
        ok(!code_of($r), 'no code');
    };
}

# ---------------------------------------------------------------- unavailable

sub unavailable_ok {
    my ($srv, $email, $why, $name, $password) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $before = length $srv->error_log;
    my $r = sign_in($srv, $email, $password // 'pw');
    is($r->{status}, 503, "$name: 503");
    like($r->{body}, qr/Sign-in is temporarily unavailable/, "$name: the unavailable page");
    ok(!code_of($r), "$name: no code");
    unlike($r->{header}->('set-cookie') // '', qr/seam_oauth_session/, "$name: no session");
    my $log = substr($srv->error_log, $before);
    like($log, qr/\[error\].*seam_oauth: the login check $why/, "$name: an [error] line naming the cause")
        or diag($log);
}

subtest 'the login API fails: 503, never a success' => sub {
    unavailable_ok($n, 'err500@example.com', 'answered 500', 'a 500');
    unavailable_ok($n, 'moved@example.com', 'answered 302', 'a 302');
    unavailable_ok($n, 'slow@example.com', 'could not be reached: nginx answered 504',
                   'slower than proxy_read_timeout');
    unavailable_ok($n, 'notjson@example.com', 'answered 200 without a JSON object', 'not JSON');
    unavailable_ok($n, 'array@example.com', 'answered 200 without a JSON object', 'an array');
    unavailable_ok($n, 'missing@example.com', 'answered 200 without a usable "user_id"', 'no user_id');
    unavailable_ok($n, 'empty@example.com', 'answered 200 without a usable "user_id"', 'an empty user_id');
    unavailable_ok($n, 'long@example.com', 'answered 200 without a usable "user_id"', 'a user_id of 256 bytes');
    unavailable_ok($n, 'float@example.com', 'answered 200 without a usable "user_id"', 'a float user_id');
    unavailable_ok($n, 'bool@example.com', 'answered 200 without a usable "user_id"', 'a boolean user_id');
    unavailable_ok($n, 'ctl@example.com', 'answered 200 without a usable "user_id"', 'a tab in the user_id');
    unavailable_ok($n, 'huge@example.com', 'answered 200 with a body that could not be read whole',
                   'an answer of 1 MiB');
};

subtest 'the login API refuses connections' => sub {
    my $closed = Test::Nginx::Seam::_free_port();
    my $m = server(target => "127.0.0.1:$closed");
    unavailable_ok($m, 'alice@example.com', 'could not be reached: nginx answered 502', 'refused',
                   'alice pass');
    $m->stop;
};

subtest 'over 16 KiB: refused, whatever the location\'s buffer' => sub {
    $svc->accounts({ %accounts, 'seventeen@example.com' => { password => 'pw', pad => 17000 } });
    # the example's 16k buffer: nginx cuts it
    unavailable_ok($n, 'seventeen@example.com', 'answered 200 with a body that could not be read whole',
                   '17 KiB, a 16k buffer');
    # a larger buffer reads it, and the module refuses it
    my $m = server(buffer => '64k');
    unavailable_ok($m, 'seventeen@example.com', 'answered 200 with a body that could not be read whole',
                   '17 KiB, a 64k buffer');
    $m->stop;
    $svc->accounts({ %accounts, $odd_id => { password => $odd_pw, id => 'odd-1' } });
};

# ---------------------------------------------------------------- user_id=FIELD

subtest 'user_id=FIELD names the answer\'s field' => sub {
    my $m = server(check => 'seam_oauth_login_check /_device_cloud/login user_id=customer_id;');
    owner_everywhere($m, 'field@example.com', 'pw', 'cust-7', 'customer_id');
    unavailable_ok($m, 'alice@example.com', 'answered 200 without a usable "customer_id"',
                   'an answer without that field', 'alice pass');
    $m->stop;
};

# ---------------------------------------------------------------- throttle

subtest 'the throttle locks, and the login API is then not called' => sub {
    my $m = server(extra => "seam_oauth_throttle_account 3;\n");
    $svc->forget;
    for my $i (1 .. 3) {
        my $r = sign_in($m, 'throttle@example.com', "wrong $i");
        is($r->{status}, 200, "wrong password $i: the login page");
    }
    is(scalar($svc->requests), 3, 'three checks reached the login API');
    my $r = sign_in($m, 'throttle@example.com', 'right one');
    is($r->{status}, 429, 'locked: 429, even with the right password');
    ok($r->{header}->('retry-after'), 'Retry-After');
    is(scalar($svc->requests), 3, 'the locked attempt never reached the login API');
    $m->stop;
};

subtest 'an outage does not count against the owner' => sub {
    my $m = server(extra => "seam_oauth_throttle_account 2;\n");
    sign_in($m, 'err500@example.com', 'pw') for 1 .. 4;
    $svc->accounts({ %accounts, 'err500@example.com' => { password => 'pw', id => 'back-1' } });
    my $r = sign_in($m, 'err500@example.com', 'pw');
    ok(signed_in($r), 'after four outages the owner still signs in');
    $svc->accounts({ %accounts, $odd_id => { password => $odd_pw, id => 'odd-1' } });
    $m->stop;
};

subtest 'not UTF-8: no account, and the login API is not asked' => sub {
    $svc->forget;
    my $r = sign_in($n, "caf\xe9\@example.com", 'pw');
    is($r->{status}, 200, 'the login page again');
    like($r->{body}, qr/The e-mail or password is incorrect/, 'wrong credentials');
    is(scalar($svc->requests), 0, 'nothing sent');
};

# ---------------------------------------------------------------- sessions

subtest 'sessions, prompt=login and consent with these owners' => sub {
    $svc->forget;
    my $first = sign_in($n, 'alice@example.com', 'alice pass');
    ok(signed_in($first), 'signed in');
    my $session = $first->{cookie};
    my @params = (redirect_uri => $SEAM_REDIRECT, state => 'st-2');
    my $again = http($n, 'GET', '/authorize?' . form_encode(@params),
                     headers => [ Cookie => $session ]);
    is($again->{status}, 200, 'the session: a page');
    like($again->{body}, qr/name="decision"/, 'the consent page, without the password');
    like($again->{body}, qr/alice\@example\.com/, 'naming the account as the owner typed it');
    is(scalar($svc->requests), 1, 'the session asked the login API nothing');
    my $r = login($n, params => \@params, cookie => $session, consent => 'approve');
    is($r->{status}, 303, 'approved');
    is(exchange($n, code_of($r))->{json}{user_id}, 'cust-42', 'the session\'s owner is the device cloud\'s id');

    my $relogin = http($n, 'GET', '/authorize?' . form_encode(@params, prompt => 'login'),
                       headers => [ Cookie => $session ]);
    like($relogin->{body}, qr/name="password"/, 'prompt=login asks for the password again');
    $r = login($n, params => [@params, prompt => 'login'], cookie => $session,
               email => 'alice@example.com', password => 'alice pass');
    is($r->{status}, 303, 'and signs in again through the login API');
    is(scalar($svc->requests), 2, 'which was asked again');
};

# ---------------------------------------------------------------- grants

subtest 'grant list and grant revoke --user with the device cloud\'s id' => sub {
    my $tokens = owner_everywhere($n, 'alice@example.com', 'alice pass', 'cust-42', 'revoke');
    my (undef, $out) = cli($n, 'grant', 'list');
    like($out, qr/\tseam\t-\tcust-42\t/, 'grant list shows the id');
    my ($rc, $o2, $err) = cli($n, 'grant', 'revoke', '--user', 'cust-42');
    is($rc, 0, 'grant revoke --user cust-42') or diag($err);
    like($o2, qr/revoked [1-9]\d* grant\(s\) of cust-42/, 'revoked its grants');
    is(api_call($n, $tokens->{access_token})->{status}, 401, 'its token is dead');
};

# ---------------------------------------------------------------- logs

subtest 'the password is in no log and no file' => sub {
    my $secret = 'Unique-Pa55word-9f3c';
    $svc->accounts({ %accounts, 'logs@example.com' => { password => $secret, id => 'logs-1' } });
    my $r = sign_in($n, 'logs@example.com', $secret);
    ok(signed_in($r), 'signed in');
    sign_in($n, 'logs@example.com', "$secret-wrong");
    sign_in($n, 'err500@example.com', $secret);
    my $debug = Test::Nginx::Seam::_slurp($n->prefix . '/logs/debug.log');
    like($debug, qr/\[debug\]/, 'the debug log is written (nginx --with-debug)');
    like($debug, qr/_device_cloud\/login/, 'and shows the subrequest');
    my @found;
    File::Find::find({ no_chdir => 1, wanted => sub {
        return unless -f $_;
        push @found, $_ if index(Test::Nginx::Seam::_slurp($_), $secret) >= 0;
    } }, $n->prefix);
    is_deeply(\@found, [], 'no file under the prefix (logs, temp files) holds the password');
    my @temp;
    File::Find::find({ no_chdir => 1, wanted => sub { push @temp, $_ if -f $_ } },
                     $n->prefix . '/client_body_temp', $n->prefix . '/proxy_temp');
    is_deeply(\@temp, [], 'no temporary file was ever kept (client_body_in_file_only on)');
    $svc->accounts({ %accounts, $odd_id => { password => $odd_pw, id => 'odd-1' } });
};

subtest 'a form longer than client_body_buffer_size: 413, never a temporary file' => sub {
    my $m = server(extra => "client_body_buffer_size 1k;\n");
    my ($page, $cookie) = login_page($m);
    my $secret = 'Long-Form-Secret-7d1e';
    my $body = form_encode(email => 'alice@example.com', password => $secret, pad => 'p' x 1500);
    my $r = http($m, 'POST', '/authorize',
                 headers => [ 'Content-Type' => 'application/x-www-form-urlencoded',
                              Cookie => $cookie ],
                 body => $body);
    is($r->{status}, 413, 'refused before the body is read');
    my @temp;
    File::Find::find({ no_chdir => 1, wanted => sub { push @temp, $_ if -f $_ } },
                     $m->prefix . '/client_body_temp');
    is_deeply(\@temp, [], 'no temporary file');
    my $short = http($m, 'POST', '/authorize',
                     headers => [ 'Content-Type' => 'application/x-www-form-urlencoded',
                                  Cookie => $cookie ],
                     body => form_encode(email => 'alice@example.com', password => 'x', pad => 'p' x 900));
    isnt($short->{status}, 413, 'a form within the buffer is read');
    $m->stop;
};

# ---------------------------------------------------------------- the CLI

subtest 'seam-oauth user add --user-id' => sub {
    my $m = start_nginx(workers => 2, http_config => http_config(), config => server_config());
    my ($rc, $out, $err) = cli($m, 'user', 'add', 'erin@example.com', '--user-id', 'dc-1001',
                               { stdin => "erin password\n" });
    is($rc, 0, 'added') or diag($err);
    like($out, qr/^added erin\@example\.com \(user_id dc-1001\)$/m, 'under the id given');
    (undef, $out) = cli($m, 'user', 'list');
    like($out, qr/^erin\@example\.com\tdc-1001\t/m, 'user list shows it');
    ($rc, undef, $err) = cli($m, 'user', 'add', 'frank@example.com', '--user-id', 'dc-1001',
                             { stdin => "frank password\n" });
    is($rc, 1, 'the same id twice: refused');
    like($err, qr/another owner already has that user_id/, 'saying why');
    for my $bad ('', ' lead', 'trail ', "tab\tin", 'x' x 256) {
        ($rc, undef, $err) = cli($m, 'user', 'add', 'gina@example.com', '--user-id', $bad,
                                 { stdin => "gina password\n" });
        is($rc, 1, "user_id '$bad': refused");
    }
    (undef, $out) = cli($m, 'user', 'list');
    unlike($out, qr/frank|gina/, 'nothing added by a refused command');
    my $t = exchange($m, scalar obtain_code($m, email => 'erin@example.com', password => 'erin password'));
    is($t->{json}{user_id}, 'dc-1001', 'the token carries the id given');
    like(api_call($m, $t->{json}{access_token})->{body}, qr/user=dc-1001 /, 'and so does the device API');
    $m->stop;
};

subtest 'without the login check, a user name is no account' => sub {
    my $m = start_nginx(http_config => http_config(), config => server_config(),
                        users => ["$OWNER $PASSWORD"]);
    my ($page) = login_page($m);
    like($page->{body}, qr/<input type="email" name="email"/, 'the store\'s accounts: type=email');
    my $r = sign_in($m, 'bob', 'bob pass');
    like($r->{body}, qr/The e-mail or password is incorrect/, 'a user name is refused');
    $m->stop;
};

subtest 'seam_oauth_login_check off, and bad arguments' => sub {
    my $m = start_nginx(http_config => http_config() . "seam_oauth_login_check /_device_cloud/login;\n",
                        config => "location = /authorize { seam_oauth_authorize; seam_oauth_login_check off; }\n"
                            . server_config() =~ s/^location = \/authorize .*\n//mr,
                        users => ["$OWNER $PASSWORD"]);
    my $r = sign_in($m, $OWNER, $PASSWORD);
    ok(signed_in($r), 'off: the store\'s accounts again');
    for my $bad (['login-check', qr/is not a location of this server/],
                 ['/x user=id', qr/unknown option "user=id"/],
                 ['/x user_id=', qr/unknown option "user_id="/]) {
        my $t = new_nginx(http_config => http_config(),
                          config => "location = /authorize { seam_oauth_authorize; seam_oauth_login_check $bad->[0]; }\n");
        my ($rc, $out) = $t->test_config;
        isnt($rc, 0, "'$bad->[0]': nginx -t fails");
        like($out, $bad->[1], "'$bad->[0]': saying why");
    }
    $m->stop;
};

$n->assert_clean_log('login check');
$n->stop;
done_testing();
