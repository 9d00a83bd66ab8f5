package Test::Nginx::SeamFlow;

# The steps of the OAuth flow as a browser and Seam take them, for request
# tests: a standard configuration, the login page, the login POST, the code
# exchange and a call to the protected device API.

use strict;
use warnings;

use Exporter 'import';
use JSON::PP ();
use POSIX ();

# Test::Nginx::Seam is loaded by the test file itself (it must be the first
# Test::Base import); its functions are called by their full names here.
sub http { Test::Nginx::Seam::http(@_) }
sub form_encode { Test::Nginx::Seam::form_encode(@_) }
sub parse_location { Test::Nginx::Seam::parse_location(@_) }

our @EXPORT = qw(
    $OWNER $PASSWORD $SEAM_REDIRECT http_config server_config
    login_page login obtain_code exchange obtain_token api_call json
    cookies_of lock_holder hold_lock post_form
);

our $OWNER = 'owner@example.com';
our $PASSWORD = 'correct horse battery';
our $SEAM_REDIRECT = 'https://connect.integrations.getseam.com/oauth/cb?session=s1';

# seam follows the intercom guide (Seam's host pattern); c1 has exact URIs
# including a loopback one; c2 must use PKCE; c3 rotates refresh tokens and
# asks no consent; rs is a resource server that may introspect any token.
sub http_config {
    my (%o) = @_;
    my $extra = $o{extra} // '';
    return <<"C";
seam_oauth_store \$TEST_NGINX_STORE@{[ $o{map_size} ? " map_size=$o{map_size}" : '' ]}@{[ $o{sync} ? " sync=$o{sync}" : '' ]}@{[ defined $o{grow} ? " grow=$o{grow}" : '' ]};
seam_oauth_client seam secret=seamsecret name=Seam
                  redirect=https://*.integrations.getseam.com/
                  "scope=intercoms:read intercoms:unlock"
                  "default_scope=intercoms:read" intercom_guide;
seam_oauth_client c1 secret=c1secret redirect=https://integrations.getseam.com/cb
                  redirect=http://127.0.0.1/cb;
seam_oauth_client c2 secret=c2secret redirect=https://client2.example/cb
                  pkce=required;
seam_oauth_client c3 secret=c3secret redirect=https://client3.example/cb
                  "scope=intercoms:read intercoms:unlock"
                  "default_scope=intercoms:read" refresh=rotate consent=off;
seam_oauth_client rs secret=rssecret redirect=https://rs.example/cb introspect;
seam_oauth_scope_description intercoms:read "See your intercoms";
seam_oauth_scope_description intercoms:unlock "Open doors with your intercoms";
$extra
server {
    listen unix:\$TEST_NGINX_SERVROOT/api.sock;
    location / { return 200 "device api: user=\$http_x_seam_user path=\$uri\\n"; }
}
C
}

sub server_config {
    return <<'C';
location = /authorize   { seam_oauth_authorize; }
location = /oauth/token { seam_oauth_token; }
location = /oauth/revoke { seam_oauth_revoke; }
location = /oauth/introspect { seam_oauth_introspect; }
location = /.well-known/oauth-authorization-server { seam_oauth_metadata; }
location /intercoms {
    include $TEST_NGINX_REPO/conf/seam-oauth-protect.conf;
    proxy_set_header X-Seam-User $seam_user;
    proxy_pass http://unix:$TEST_NGINX_SERVROOT/api.sock;
}
include $TEST_NGINX_REPO/conf/seam-oauth-check.conf;
C
}

sub json {
    my ($text) = @_;
    my $v = eval { JSON::PP::decode_json($text) };
    return $v;
}

# GET /authorize; returns (response, cookie, csrf token).
sub login_page {
    my ($n, @params) = @_;
    @params = (redirect_uri => $SEAM_REDIRECT, state => 'st-1') unless @params;
    my $r = http($n, 'GET', '/authorize?' . form_encode(@params));
    my ($cookie) = ($r->{header}->('set-cookie') // '') =~ /^(seam_oauth_csrf=[^;]+)/;
    my ($csrf) = $r->{body} =~ /name="csrf_token" value="([^"]*)"/;
    return ($r, $cookie, $csrf);
}

# The hidden fields of the login page, as the browser would post them.
sub _hidden_fields {
    my ($body) = @_;
    my @pairs;
    while ($body =~ /<input type="hidden" name="([^"]+)" value="([^"]*)"/g) {
        my ($k, $v) = ($1, $2);
        $v =~ s/&quot;/"/g; $v =~ s/&#39;/'/g; $v =~ s/&lt;/</g;
        $v =~ s/&gt;/>/g; $v =~ s/&amp;/&/g;
        push @pairs, $k, $v;
    }
    return @pairs;
}

# The cookies a response sets, as one Cookie header value.
sub cookies_of {
    my ($r, @keep) = @_;
    my %jar = map { split /=/, $_, 2 } grep { defined } @keep;
    for my $c ($r->{header}->('set-cookie')) {
        my ($pair) = $c =~ /^([^;]+)/;
        my ($k, $v) = split /=/, $pair, 2;
        $jar{$k} = $v;
    }
    return join '; ', map { "$_=$jar{$_}" } sort keys %jar;
}

sub _post_login {
    my ($n, $cookie, $headers, @fields) = @_;
    return _post_form($n, '/authorize', [($cookie ? (Cookie => $cookie) : ()), @{ $headers || [] }],
                      @fields);
}

# Loads the page and posts the form as a browser would, then answers the
# consent page when one comes (consent => 'approve' (default), 'deny', or
# 'none' to return the consent page itself); returns the last response.
# Options: params => [...] for /authorize, email, password, headers,
# cookie (sent with every step, e.g. a session).
sub login {
    my ($n, %o) = @_;
    my @params = @{ $o{params} || [] };
    @params = (redirect_uri => $SEAM_REDIRECT, state => 'st-1') unless @params;
    my $page = http($n, 'GET', '/authorize?' . form_encode(@params),
                    headers => [ $o{cookie} ? (Cookie => $o{cookie}) : () ]);
    my $cookie = cookies_of($page, split /; /, $o{cookie} // "");
    my $r = $page;
    if ($page->{status} == 200 && $page->{body} =~ /name="password"/) {
        $r = _post_login($n, $cookie, $o{headers}, _hidden_fields($page->{body}),
                         email => $o{email} // $OWNER,
                         password => $o{password} // $PASSWORD);
        $cookie = cookies_of($r, split /; /, $cookie);
    }
    if (($o{consent} // '') eq 'none') {
        $r->{cookie} = $cookie;
        return $r;
    }
    if ($r->{status} == 200 && $r->{body} =~ /name="decision"/) {
        $r = _post_login($n, $cookie, $o{headers}, _hidden_fields($r->{body}),
                         decision => $o{consent} // 'approve');
        $r->{cookie} = cookies_of($r, split /; /, $cookie);
    } else {
        $r->{cookie} = $cookie;
    }
    return $r;
}

# A fresh code; in list context also the Location's query.
sub obtain_code {
    my ($n, %o) = @_;
    my $r = login($n, %o);
    die "login failed: $r->{status} $r->{body}" unless $r->{status} == 303;
    my (undef, $q) = parse_location($r->{header}->('location'));
    return wantarray ? ($q->{code}, $q, $r) : $q->{code};
}

# POST /oauth/token as Seam's intercom guide does (form body, no grant_type)
# unless told otherwise: fields => [...] replaces the body.
sub exchange {
    my ($n, $code, %o) = @_;
    my @fields = $o{fields} ? @{ $o{fields} }
               : (code => $code, client_id => 'seam', client_secret => 'seamsecret');
    return _post_form($n, '/oauth/token', $o{headers}, @fields);
}

# A form POSTed to `path` (the token, revocation or introspection
# endpoint), its JSON answer decoded into {json}.
sub post_form {
    my ($n, $path, @fields) = @_;
    return _post_form($n, $path, [], @fields);
}

# the form with `headers` besides its Content-Type; {json}: the answer's
# JSON, when it is JSON
sub _post_form {
    my ($n, $path, $headers, @fields) = @_;
    my $r = http($n, 'POST', $path,
        headers => [ 'Content-Type' => 'application/x-www-form-urlencoded',
                     @{ $headers || [] } ],
        body => form_encode(@fields));
    $r->{json} = json($r->{body});
    return $r;
}

sub obtain_token {
    my ($n, %o) = @_;
    my $r = exchange($n, scalar obtain_code($n, %o));
    die "exchange failed: $r->{status} $r->{body}" unless $r->{status} == 200;
    return $r->{json}{access_token};
}

# The store's write-lock holder (t/tools/hold_write_lock.cpp; make prove
# builds it).
sub lock_holder {
    return $ENV{SEAM_OAUTH_TEST_HOLD} || "$Test::Nginx::Seam::REPO/build/seam-test-hold";
}

# Opens the store in a process of its own and holds its write lock for
# `seconds`, as a long commit of another process would; returns that
# process's pid once it has the lock.
sub hold_lock {
    my ($store, $seconds) = @_;
    my $hold = lock_holder();
    pipe my $r, my $w or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        close $r;
        open STDOUT, '>&', $w or POSIX::_exit(1);
        { exec { $hold } $hold, $store, $seconds; }
        POSIX::_exit(127);
    }
    close $w;
    my $line = <$r>;
    close $r;
    die "the lock holder did not take the lock\n" unless ($line // '') =~ /^held/;
    return $pid;
}

sub api_call {
    my ($n, $token, $path) = @_;
    return http($n, 'GET', $path // '/intercoms',
        headers => [ defined $token ? (Authorization => "Bearer $token") : () ]);
}

1;
