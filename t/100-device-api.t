# Seam's intercom API behind scoped bearer checks, with conf/'s includes:
# each route needs its scope; a token without it gets 403
# insufficient_scope naming the scope (RFC 6750 §3.1, security.md row 43).
# Also the access-phase check (seam_oauth_bearer on).
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

plan tests => 32;

my $http = <<'C';
seam_oauth_store $TEST_NGINX_STORE;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ consent=off
    "scope=intercoms:read intercoms:unlock access_codes:read access_codes:write"
    "default_scope=intercoms:read intercoms:unlock access_codes:read access_codes:write"
    intercom_guide;
include $TEST_NGINX_REPO/conf/seam-intercom-scopes.conf;
upstream device_api { server unix:$TEST_NGINX_SERVROOT/api.sock; }
server {
    listen unix:$TEST_NGINX_SERVROOT/api.sock;
    location / { return 200 "device api: $request_method $uri user=$http_x_seam_user\n"; }
}
C
my $server = <<'C';
location = /authorize   { seam_oauth_authorize; }
location = /oauth/token { seam_oauth_token; }
include $TEST_NGINX_REPO/conf/seam-intercom-api.conf;
include $TEST_NGINX_REPO/conf/seam-oauth-check.conf;

location /direct/ {
    seam_oauth_bearer on;
    seam_oauth_require_scope intercoms:unlock;
    proxy_set_header X-Seam-User $seam_oauth_user_id;
    proxy_pass http://device_api;
}
C
my $n = start_nginx(http_config => $http, config => $server, workers => 2, users => ["$OWNER $PASSWORD"]);

sub token_for {
    my ($scope) = @_;
    return obtain_token($n, params => [ redirect_uri => $SEAM_REDIRECT, scope => $scope ]);
}
sub call {
    my ($method, $path, $token) = @_;
    return http($n, $method, $path, headers => [ $token ? (Authorization => "Bearer $token") : () ]);
}
my $realm = 'Bearer realm="seam-oauth"';

# Seam's intercom guide names no scope: the client's default_scope is
# granted, and every route of its API answers (RFC 6749 §3.3)
my $seam = exchange($n, scalar obtain_code($n, params => [ redirect_uri => $SEAM_REDIRECT ]));
is($seam->{json}{scope}, 'intercoms:read intercoms:unlock access_codes:read access_codes:write',
   'no scope asked: the token response carries the default scope');
for my $route ([GET => '/intercoms'], [POST => '/intercoms/ic_1/unlock'], [GET => '/access_codes'],
               [DELETE => '/access_codes/ac_1']) {
    is(call(@$route, $seam->{json}{access_token})->{status}, 200,
       "no scope asked: $route->[0] $route->[1] answers 200");
}

my $read = token_for('intercoms:read');
my $all = token_for('intercoms:read intercoms:unlock access_codes:read access_codes:write');

my $r = call(GET => '/intercoms', $read);
is($r->{status}, 200, 'GET /intercoms with intercoms:read');
like($r->{body}, qr{device api: GET /intercoms user=u_}, 'reaches the API with the owner');
is(call(GET => '/api/intercoms', $read)->{status}, 200, 'under the base path too');

$r = call(POST => '/intercoms/ic_1/unlock', $read);
is($r->{status}, 403, 'row 43: unlock without intercoms:unlock: 403');
is($r->{header}->('www-authenticate'), qq($realm, error="insufficient_scope", scope="intercoms:unlock"),
   'row 43: insufficient_scope naming the scope');
is(json($r->{body})->{error}, 'insufficient_scope', 'row 43: JSON error');
$r = call(POST => '/api/intercoms/ic_1/unlock', $all);
is($r->{status}, 200, 'unlock with intercoms:unlock');
like($r->{body}, qr{POST /api/intercoms/ic_1/unlock}, 'unlock reaches the API');
isnt(call(GET => '/intercoms/ic_1/unlock', $all)->{status}, 200, 'unlock is POST only');

$r = call(GET => '/access_codes', $read);
is($r->{status}, 403, 'access codes without their scope: 403');
like($r->{header}->('www-authenticate'), qr/scope="access_codes:read"/, 'GET needs access_codes:read');
$r = call(DELETE => '/access_codes/ac_1', token_for('access_codes:read'));
is($r->{status}, 403, 'DELETE with only access_codes:read: 403');
like($r->{header}->('www-authenticate'), qr/scope="access_codes:write"/, 'DELETE needs access_codes:write');
is(call(GET => '/access_codes/ac_1', $all)->{status}, 200, 'GET /access_codes/{id}');
is(call(DELETE => '/access_codes/ac_1', $all)->{status}, 200, 'DELETE /access_codes/{id}');

$r = call(GET => '/intercoms');
is($r->{status}, 401, 'no token: 401');
is($r->{header}->('www-authenticate'), $realm, 'no token: the challenge');
$r = call(GET => '/intercoms', 'A' x 43);
is($r->{status}, 401, 'unknown token: 401');
$r = call(GET => '/intercoms', 'a b');
is($r->{status}, 400, 'malformed: 400 through the denied location');
is(call(GET => '/intercoms/other/path', $all)->{status}, 404, 'other paths under the API: 404');

# the check in the access phase
$r = call(GET => '/direct/x', $all);
is($r->{status}, 200, 'access phase: a token with the scope');
like($r->{body}, qr/user=u_[0-9a-f]{32}/, 'access phase: $seam_oauth_user_id in the main request');
$r = call(GET => '/direct/x', $read);
is($r->{status}, 403, 'access phase: without the scope: 403');
is($r->{header}->('www-authenticate'), qq($realm, error="insufficient_scope", scope="intercoms:unlock"),
   'access phase: the challenge');
$r = call(GET => '/direct/x', 'a b');
is($r->{status}, 400, 'access phase: malformed: 400');

$n->stop;
$n->assert_clean_log;
