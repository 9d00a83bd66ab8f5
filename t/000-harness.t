# Self-test of t/lib/Test/Nginx/Seam.pm with stock nginx directives only, so
# it passes before the module exists. The flow test runs first, then the
# data blocks (run_tests), and done_testing() closes the plan.
use lib 't/lib';
use Test::Nginx::Seam;
use File::Temp ();

if (!-f Test::Nginx::Seam::module_path()) {
    $ENV{TEST_NGINX_NO_MODULE} = 1;
    diag('no ' . Test::Nginx::Seam::module_path() . ': running without load_module');
}

# A stand-in CLI records its arguments and stdin in the store, so owner
# creation and cli() are exercised without the real tool.
my $fake = File::Temp->newdir('seam-fakecli-XXXXXX', TMPDIR => 1);
{
    open my $fh, '>', "$fake/seam-oauth" or die $!;
    print {$fh} <<'SH';
#!/bin/sh
[ "$1" = --store ] || { echo "usage: --store DIR ..." >&2; exit 2; }
store=$2; shift 2
echo "args: $*" >> "$store/cli.log"
echo "stdin: $(cat)" >> "$store/cli.log"
echo "did $1"
echo "warned" >&2
[ "$1 $2" = "user add" ] || exit 3
SH
    close $fh;
    chmod 0755, "$fake/seam-oauth";
}
$ENV{SEAM_OAUTH_CLI} = "$fake/seam-oauth";

# ---- flow test: start_nginx + http + reload + restart + http_parallel
my $n = start_nginx(
    workers => 2,
    config  => <<'C',
location = /v { return 200 "v1"; }
location /echo/ { return 200 "$uri"; }
location = /store/ { alias $TEST_NGINX_STORE/; autoindex on; }
C
);
like($n->url('/x'), qr{^http://127\.0\.0\.1:\d+/x$}, 'url');
my $r = http($n, 'GET', '/v');
is($r->{status}, 200, 'flow: first request');
is($r->{body}, 'v1', 'flow: body v1');
is($r->{header}->('content-length'), 2, 'flow: header accessor, any case');
is_deeply([$r->{header}->('Content-Length')], ['2'], 'flow: header accessor, list');

ok($n->reload(config => 'location = /v { return 200 "v2"; }'), 'flow: reload');
is(http($n, 'GET', $n->url('/v'))->{body}, 'v2', 'flow: new config after reload');

my ($port, $store) = ($n->port, $n->store);
open my $mark, '>', "$store/mark" or die $!;
close $mark;
$n->restart;
is($n->port, $port, 'flow: restart keeps the port');
ok(-e "$store/mark", 'flow: restart keeps the store');
is(http($n, 'GET', '/v')->{body}, 'v2', 'flow: serving after restart');

$n->reload(config => 'location /echo/ { return 200 "$uri"; }');
my @res = http_parallel($n, [ map { ['GET', "/echo/$_"] } 1 .. 8 ]);
is_deeply([ map { "$_->{status} $_->{body}" } @res ],
          [ map { "200 /echo/$_" } 1 .. 8 ], 'flow: http_parallel, in order');

$r = http($n, 'POST', '/echo/x', headers => [ 'X-A' => 1, 'X-A' => 2 ], body => 'abc');
is($r->{status}, 200, 'flow: POST with repeated header');
$r = http_raw($n, "GET /echo/raw HTTP/1.1\r\nHost: localhost\r\n\r\n");
is($r->{body}, '/echo/raw', 'flow: http_raw on a keep-alive connection');

my ($rc, $out, $err) = cli($n, 'user', 'list', { stdin => "secret\n" });
is_deeply([ $rc, $out, $err ], [ 3, "did user\n", "warned\n" ], 'cli: exit code, stdout, stderr');
like(do { local (@ARGV, $/) = "$store/cli.log"; <> },
     qr/args: user list\nstdin: secret\n/, 'cli: --store and stdin');

is(form_encode(a => 'x y', b => '&='), 'a=x%20y&b=%26%3D', 'form_encode');
is_deeply([ form_decode('a=x+y&b=%26%3D&a=2') ], [ a => 'x y', b => '&=', a => 2 ], 'form_decode list');
is_deeply(scalar form_decode('a=1&a=2&c'), { a => 1, c => '' }, 'form_decode hashref');
is_deeply([ parse_location('https://c.example/cb?code=a%2Fb&state=s#x=1') ],
          [ 'https://c.example/cb', { code => 'a/b', state => 's' }, { x => 1 } ], 'parse_location');

# how a block's request is written out: comment lines skipped, header
# values kept to their last byte (trailing whitespace included)
my ($bytes) = Test::Nginx::Seam::_build_block_request(
    $n, "# a comment\nPOST /x\nbody", "# a comment\nX-T:  a b  \nX-U: 1");
is($bytes, "POST /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-T: a b  \r\nX-U: 1\r\n"
           . "Content-Length: 4\r\n\r\nbody", 'block request: comments, trailing whitespace kept');

$n->assert_clean_log('flow');
my $pid = $n->pid;
$n->stop;
ok(!kill(0, $pid) || `ps -o stat= -p $pid` =~ /Z/, 'flow: master gone after stop');

run_tests();
done_testing();

__DATA__

=== TEST 1: status code and absent headers
--- config
location = /t { return 204; }
--- request
GET /t
--- error_code: 204
--- response_headers
!Location
!Content-Type
X-Not-There:
--- response_body chomp
--- no_error_log
[error]
[warn]



=== TEST 2: headers, body checks, error_code eval
--- config
location = /hello {
    add_header X-Foo bar;
    add_header X-Dup one;
    add_header X-Dup two;
    return 200 "hello";
}
--- request
GET /hello HTTP/1.0
--- error_code eval
100 * 2
--- response_headers
X-Foo: bar
x-dup: one, two
Content-Length: 5
--- response_headers_like
Content-Type: ^text/plain$
Server: ^nginx
--- response_body chomp
hello
--- response_body_like: ^hel+o$
--- response_body_unlike: world



=== TEST 3: repeated header in more_headers is sent twice
--- config
location / { return 200 "$host"; }
--- request
GET /
--- more_headers
Host: a.example
Host: b.example
--- error_code: 400
--- error_log eval
['client sent duplicate host header',
 qr/duplicate host header: "Host: b\.example", previous value: "Host: a\.example"/]



=== TEST 4: request body is sent verbatim with Content-Length
--- config
location = /len { return 200 "$content_length"; }
--- request
POST /len
hello world
--- response_body chomp
12



=== TEST 5: body echoed back through a proxy to ourselves
--- config
location = /echo {
    proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/back;
    proxy_set_header X-Body $request_body;
}
location = /back { return 200 "[$http_x_body]"; }
--- request eval
"POST /echo\ngrant_type=client_credentials&scope=a%20b"
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- response_body: [grant_type=client_credentials&scope=a%20b]



=== TEST 6: raw request with bare LF line endings, sent in two pieces
--- config
location = /hello { return 200 "hi"; }
--- raw_request eval
# eval: Test::Base's trim would drop the final empty line of a plain section
["GET /hello HTTP/1.0\n", "Host: localhost\n\n"]
--- response_body: hi



=== TEST 7: 64 KB header in a raw request
--- config
location / { return 200; }
--- raw_request eval
"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " . ("a" x 65536) . "\r\nConnection: close\r\n\r\n"
--- error_code: 400
--- response_body_like: Request Header Or Cookie Too Large
--- error_log
client sent too long header line



=== TEST 8: chunked response, two workers, template variables
--- workers: 2
--- main_config
env SEAM_HARNESS_HTML=$TEST_NGINX_HTML_DIR;
--- http_config
sub_filter_types *;
--- config
location = /c {
    sub_filter "root" "$TEST_NGINX_SERVROOT";
    return 200 "root port=$server_port";
}
--- request
GET /c
--- response_headers
Transfer-Encoding: chunked
!Content-Length
--- response_body_like: ^/\S+/seam-nginx-\w+ port=\d+$



=== TEST 9: owner accounts are created with the CLI before start
--- user
owner@example.com pw one
other@example.com pw2
--- config
location = /log { alias $TEST_NGINX_STORE/cli.log; default_type text/plain; }
--- request
GET /log
--- response_body
args: user add owner@example.com
stdin: pw one
args: user add other@example.com
stdin: pw2



=== TEST 10: must_die with a bad directive
--- config
bogus_directive on;
--- must_die
--- error_log
unknown directive "bogus_directive"



=== TEST 11: HEAD response has no body to wait for
--- config
location = /h { return 200 "body"; }
--- request
HEAD /h
--- response_headers
Content-Length: 4
--- response_body chomp



=== TEST 12: --- init runs once nginx is up; set_var defines template variables
--- config
location = /echo { return 200 "$http_x_v:$arg_a"; }
--- init
my $r = http($srv, 'GET', '/echo?a=up');
$srv->set_var(SEEN => $r->{body}, TWICE => $srv->port * 2);
--- request
# the variables reach the request line, more_headers and the expected values
GET /echo?a=$TEST_NGINX_TWICE
--- more_headers
X-V: $TEST_NGINX_SEEN
--- response_body: :up:$TEST_NGINX_TWICE



=== TEST 13: pipelined_requests: sent in order, one connection each; an array holds one entry per request, undef for none
--- config
location = /a { return 200 "a:$http_x_n"; }
location = /b { return 201 "b:$content_length"; }
location = /c { return 404; }
--- pipelined_requests eval
["GET /a", "POST /b\nhello", "# a comment line\nGET /c"]
--- more_headers eval
["X-N: 1", "", "X-N: 3"]
--- error_code eval
[200, 201, 404]
--- response_headers eval
["Content-Length: 3", undef, "!Location"]
--- response_body eval
["a:1", "b:5", undef]
--- response_body_like: ^(?:a:|b:|<html>)
--- no_error_log
[error]


=== TEST 14: error_code_like: a regex for the status
--- config
location = /t { return 418; }
--- request
GET /t
--- error_code_like: ^4(?!04)\d\d$
