# The Debian package on this machine, as an operator installs and runs it
# (README's "Installing on Debian"): dpkg -i of the .deb that make deb
# built; every file, owner, mode and the modules-enabled link checked; the
# stock /usr/sbin/nginx, its workers as www-data, on the section's two
# nginx blocks taken literally (nginx -t passes on them as written; then
# only the ports changed, to free loopback ones), under a main
# configuration of this test's own that includes
# /etc/nginx/modules-enabled/*.conf as Debian's nginx.conf does (never
# nginx.conf itself: its default site listens on every address); the first
# owner added by the section's own command; a sign-in, consent, code, token
# and API call over HTTPS; the logs rotated by the installed logrotate
# file; then dpkg -r (the module disabled, the store kept) and dpkg -P
# (nothing of the package left), and nothing else under /etc/nginx
# changed. README's "Configuration" example passes nginx -t as written too.
#
# Root only, and it changes the system, so make test (prove -r t/) does not
# run it: make test-deb does. It refuses to start where the package or any
# file it installs or makes is already there (an operator's installation,
# or one by hand), and its END block stops its nginx and purges what it
# installed, whatever failed.
use strict;
use warnings;
use utf8;
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;
use Test::Nginx::Readme;
use Cwd qw(abs_path);
use Digest::SHA ();
use File::Find ();
use File::Temp ();
use JSON::PP ();

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $repo = $Test::Nginx::Seam::REPO;
my $package = 'libnginx-mod-http-seam-oauth';
my $nginx = '/usr/sbin/nginx';
my $module = '/usr/lib/nginx/modules/ngx_http_seam_oauth_module.so';
my $available = '/usr/share/nginx/modules-available/mod-http-seam-oauth.conf';
my $enabled = '/etc/nginx/modules-enabled/50-mod-http-seam-oauth.conf';
my $cli = '/usr/sbin/seam-oauth';
my $store = '/var/lib/seam-oauth';
my $logdir = '/var/log/seam-oauth';
my $secret_file = '/etc/seam-oauth/seam.secret';
my $logrotate = "/etc/logrotate.d/$package";
my @snippets = qw(seam-oauth-protect.conf seam-oauth-check.conf seam-login-check.conf
                  seam-intercom-api.conf seam-intercom-scopes.conf);
my $snakeoil = '/etc/ssl/certs/ssl-cert-snakeoil.pem';
my $snakeoil_key = '/etc/ssl/private/ssl-cert-snakeoil.key';
# what nginx -t creates for a whole nginx.conf without pid and
# *_temp_path lines (README's "Configuration"): Debian's pid file (empty)
# and temporary paths
my @nginx_defaults = ('/run/nginx.pid', map { "/var/lib/nginx/$_" } qw(body proxy fastcgi uwsgi scgi));
my %PATH_ENV = (PATH => '/usr/sbin:/usr/bin:/sbin:/bin');

# ---------------------------------------------------------------- helpers

sub cmd {
    my ($argv, %o) = @_;
    local @ENV{keys %PATH_ENV} = values %PATH_ENV;
    return Test::Nginx::Seam::_run_capture($argv, $o{stdin} // '', $o{timeout} // 300);
}

sub slurp { Test::Nginx::Seam::_slurp($_[0]) }
sub spit { Test::Nginx::Seam::_spit(@_) }

# type, mode, owner and group of a path (not following a link)
sub inode {
    my ($path) = @_;
    my @st = lstat $path or return undef;
    my $type = -l _ ? 'link' : -d _ ? 'dir' : -f _ ? 'file' : 'other';
    return {
        type => $type, mode => sprintf('%04o', $st[2] & 07777),
        owner => scalar(getpwuid $st[4]) // $st[4], group => scalar(getgrgid $st[5]) // $st[5],
    };
}

sub inode_is {
    my ($path, $type, $mode, $owner, $group) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $got = inode($path);
    is_deeply($got, { type => $type, mode => $mode, owner => $owner, group => $group },
              "$path: $type $owner:$group $mode")
        or diag(explain($got));
}

# 'ii' installed, 'rc' removed with its configuration kept; 'un' or
# 'unknown' for a package dpkg has not (or no longer) installed
sub dpkg_status {
    my ($rc, $out) = cmd(['dpkg-query', '-W', '-f=${db:Status-Abbrev}', $package]);
    return $rc == 0 ? $out =~ s/\s+$//r : 'unknown';
}

sub dpkg_knows { dpkg_status() !~ /^(?:unknown|un)/ }

# Everything under /etc/nginx: what each path is, its mode, owner, and its
# contents or target (not its times: a directory's changes when a link is
# added and removed again).
sub snapshot_etc_nginx {
    my %snap;
    File::Find::find({ no_chdir => 1, wanted => sub {
        my $i = inode($_) or return;
        $i->{content} = $i->{type} eq 'link' ? readlink($_)
                      : $i->{type} eq 'file' ? Digest::SHA::sha256_hex(slurp($_)) : '';
        $snap{$_} = $i;
    } }, '/etc/nginx');
    return \%snap;
}

# ---------------------------------------------------------------- before anything

my $deb = $ENV{SEAM_OAUTH_DEB} // do {
    my ($v) = (cmd(['dpkg-parsechangelog', '-l', "$repo/debian/changelog", '-S', 'Version']))[1] =~ /(\S+)/;
    my ($a) = (cmd(['dpkg-architecture', '-qDEB_HOST_ARCH']))[1] =~ /(\S+)/;
    "$repo/build/deb/${package}_${v}_${a}.deb";
};

BAIL_OUT("pkg/install.t installs a package on this machine: run it as root (make test-deb)")
    if $> != 0;
BAIL_OUT("no package $deb: build it with make deb (make test-deb does)") unless -f $deb;

# What the package installs (from the .deb itself) and what its postinst
# makes: none of it may be there yet, or the purge at the end would delete
# an operator's store, secret or logs.
my ($lrc, $listing) = cmd(['dpkg-deb', '-c', $deb]);
BAIL_OUT("dpkg-deb -c $deb failed") if $lrc;
my @deb_files = map { m{^[-l]\S+\s+\S+\s+\d+\s+\S+\s+\S+\s+\./(\S+)} ? "/$1" : () } split /\n/, $listing;
my @made = ($store, $logdir, '/etc/seam-oauth', $enabled, "$enabled.removed");
BAIL_OUT("$package is already known to dpkg (" . dpkg_status() . "): this test installs and "
         . "purges it, which would delete that installation's store; run it on a machine without it")
    if dpkg_knows();
my @there = grep { defined inode($_) } @deb_files, @made;
BAIL_OUT("already on this machine, not by this package: @there (an installation by hand?); "
         . "this test would overwrite and then delete them")
    if @there;

ok(scalar(grep { $_ eq $module } @deb_files), "the .deb has $module");

# ---------------------------------------------------------------- cleanup, whatever fails

my ($installed, $nginx_pid, $made_snakeoil, %certs_before, @defaults_made);
my $dir = File::Temp->newdir('seam-deb-XXXXXX', TMPDIR => 1);
chmod 0711, "$dir";    # nginx's workers (www-data) use the temporary paths in it

sub stop_nginx {
    my $pid = $nginx_pid or return 1;
    undef $nginx_pid;
    return 1 unless Test::Nginx::Seam::_alive($pid);
    my @kids = Test::Nginx::Seam::_children($pid);
    kill QUIT => $pid;
    return 1 if Test::Nginx::Seam::_wait_gone(10, $pid, @kids);
    kill KILL => $pid, @kids;
    Test::Nginx::Seam::_wait_gone(2, $pid, @kids);
    return 0;
}

END {
    my $rc = $?;
    stop_nginx();
    if ($installed && dpkg_knows()) {
        my ($prc, $out, $err) = cmd(['dpkg', '--purge', $package]);
        print STDERR "# END: dpkg --purge $package: exit $prc\n$out$err" if $prc;
    }
    if ($made_snakeoil) {
        # make-ssl-cert made the pair and a hash link to it
        for my $link (glob '/etc/ssl/certs/*') {
            unlink $link if -l $link && !$certs_before{$link}
                && readlink($link) =~ m{(?:^|/)ssl-cert-snakeoil\.pem$};
        }
        unlink $snakeoil, $snakeoil_key;
    }
    for (@defaults_made) {
        -d $_ ? rmdir $_ : -z $_ && unlink $_;
    }
    $? = $rc;
}

# Debian's self-signed pair, which README's server includes
# (snippets/snakeoil.conf): ssl-cert makes it on installation; a container
# may lack it. Made here then, and deleted at the end.
if (!-e $snakeoil) {
    %certs_before = map { $_ => 1 } glob '/etc/ssl/certs/*';
    my ($src, $out, $err) = cmd(['make-ssl-cert', 'generate-default-snakeoil']);
    $made_snakeoil = 1;
    is($src, 0, 'make-ssl-cert generate-default-snakeoil (the machine had no snakeoil pair)')
        or diag("$out$err");
}

# ---------------------------------------------------------------- dpkg -i

my $etc_before = snapshot_etc_nginx();
$installed = 1;
my ($irc, $iout, $ierr) = cmd(['dpkg', '-i', $deb]);
is($irc, 0, "dpkg -i $deb") or BAIL_OUT("dpkg -i failed:\n$iout$ierr");
is(dpkg_status(), 'ii', "$package is installed");

# ---------------------------------------------------------------- what it installed

my ($vrc, $vout, $verr) = cmd(['dpkg', '--verify', $package]);
is("$vrc$vout$verr", '0', 'dpkg --verify: every file as the package has it');
my @listed = split /\n/, (cmd(['dpkg', '-L', $package]))[1];
ok(!grep({ !defined inode($_) } @listed), 'every path dpkg -L lists exists');

inode_is($module, 'file', '0644', 'root', 'root');
inode_is($available, 'file', '0644', 'root', 'root');
is(slurp($available), "load_module modules/ngx_http_seam_oauth_module.so;\n",
   "$available: the load_module line, by nginx's modules/ path");
inode_is($enabled, 'link', '0777', 'root', 'root');
is(readlink($enabled), $available, "$enabled points to $available");
inode_is($cli, 'file', '0755', 'root', 'root');
inode_is($store, 'dir', '0700', 'www-data', 'www-data');
inode_is($logdir, 'dir', '0755', 'root', 'adm');
opendir(my $sd, $store) or die "$store: $!\n";
is_deeply([grep { $_ ne '.' && $_ ne '..' } readdir $sd], [],
          "$store is empty until nginx or the CLI opens it");
closedir $sd;
inode_is('/etc/seam-oauth', 'dir', '0700', 'root', 'root');
inode_is($secret_file, 'file', '0600', 'root', 'root');
like(slurp($secret_file), qr/^[0-9a-f]{64}\n\z/, "$secret_file: 32 random bytes in hex");
my $secret = slurp($secret_file) =~ s/\n\z//r;

my $conffiles = (cmd(['dpkg-query', '-W', '-f=${Conffiles}', $package]))[1];
for my $name (@snippets) {
    my $path = "/etc/nginx/snippets/$name";
    inode_is($path, 'file', '0644', 'root', 'root');
    is(slurp($path), slurp("$repo/conf/$name"), "$path is conf/$name");
    like($conffiles, qr/^ \Q$path\E [0-9a-f]{32}$/m, "$path is a conffile");
}
inode_is($logrotate, 'file', '0644', 'root', 'root');
like($conffiles, qr/^ \Q$logrotate\E [0-9a-f]{32}$/m, "$logrotate is a conffile");
like(slurp($logrotate), qr{^\Q$logdir\E/\*\.log \{$}m, "$logrotate rotates $logdir/*.log");
# nginx told to reopen its logs as Debian's own logrotate file does
my ($ours) = slurp($logrotate) =~ /^\s*postrotate\n(.*?)^\s*endscript/ms;
my ($debians) = slurp('/etc/logrotate.d/nginx') =~ /^\s*postrotate\n(.*?)^\s*endscript/ms;
ok(defined $ours && defined $debians && $ours eq $debians,
   "$logrotate: the postrotate of Debian's /etc/logrotate.d/nginx")
    or diag("ours:\n" . ($ours // '(none)') . "Debian's:\n" . ($debians // '(none)'));

# the nginx ABI of the installed nginx, and the libraries
my ($provides) = (cmd(['dpkg-query', '-W', '-f=${Provides}', 'nginx']))[1] =~ /(nginx-abi-\S+?)(?:,|\s|$)/;
my $depends = (cmd(['dpkg-query', '-W', '-f=${Depends}', $package]))[1];
ok(defined $provides, "the installed nginx provides an ABI (" . ($provides // 'none') . ")");
my $abi = $provides // 'nginx-abi-(none)';
like($depends, qr/(?:^|, )\Q$abi\E(?:,|$)/,
     "Depends: the ABI the installed nginx provides");
like($depends, qr/\bliblmdb0\b.*\blibargon2-1\b|\blibargon2-1\b.*\bliblmdb0\b/,
     'Depends: the shared libraries (shlibs)');

# documentation: the man page names every command the CLI lists
ok(-f "/usr/share/doc/$package/$_", "/usr/share/doc/$package/$_")
    for qw(copyright changelog.gz README.md.gz);
my $man = (cmd(['zcat', '/usr/share/man/man8/seam-oauth.8.gz']))[1];
$man =~ s/\\f[BIRP]//g;
$man =~ s/\\-/-/g;
$man =~ s/^\.\S+ ?//mg;
$man =~ s/"//g;
my ($hrc, $help) = cmd([$cli, '--help']);
is($hrc, 0, "$cli --help runs");
my @commands = $help =~ /^  ([a-z]+(?: [a-z]+)?)\b/mg;
ok(@commands >= 8, 'the CLI lists its commands (' . scalar(@commands) . ')');
for my $c (@commands) {
    like($man, qr/^\Q$c\E\b/m, "man seam-oauth documents \"$c\"");
}
my %options = map { $_ => 1 } $help =~ /(--[a-z][a-z-]*)/g;
ok(keys(%options) >= 8, 'the CLI names its options (' . join(' ', sort keys %options) . ')');
for my $o (sort keys %options) {
    like($man, qr/(?<![\w-])\Q$o\E\b/, "man seam-oauth documents $o");
}

# README's table of what the package installs names only what is there
my $debian = readme_section('Installing on Debian');
my ($table) = $debian =~ /\bIt installs:\n\n((?:\|.*\n)+)/;
ok($table, 'README\'s "Installing on Debian" has its table of installed paths');
my $paths = 0;
for my $row (grep { /^\| `/ } split /\n/, $table // '') {
    my ($first) = $row =~ /^\|([^|]*)\|/;
    my $base;
    for my $name ($first =~ /`([^`]+)`/g) {
        my $path = $name =~ m{^/} ? $name : "$base$name";
        ($base) = $path =~ m{^(.*/)};
        ok(defined inode($path), "README's table: $path is installed");
        $paths++;
    }
}
ok($paths >= 10, "README's table names the paths ($paths)");

# ---------------------------------------------------------------- nginx with the module

# nginx's own main configuration for the test: Debian's modules-enabled,
# then what Debian's nginx.conf includes in http {} (conf.d, the sites),
# here from this test's directory; the device cloud's API on $api_port.
sub main_conf {
    my ($name, %o) = @_;
    my $d = "$dir/$name";
    mkdir $d;
    my $api = $o{api_port} // 1;
    spit("$d/nginx.conf", <<"C");
user www-data;
worker_processes 2;
pid $d/nginx.pid;
error_log $d/error.log info;
include /etc/nginx/modules-enabled/*.conf;

events { worker_connections 64; }

http {
    access_log @{[ $o{access_log} // "$d/access.log" ]};
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;

@{[ join '', map { "    include $_;\n" } @{ $o{includes} || [] } ]}
    # stands in for the device cloud's API
    server {
        listen 127.0.0.1:$api;
        default_type application/json;
        location / {
            return 200 '{"path":"\$uri","method":"\$request_method","user":"\$http_x_seam_user"}\\n';
        }
    }
}
C
    return "$d/nginx.conf";
}

sub nginx_t {
    my ($conf) = @_;
    my ($rc, $out, $err) = cmd([$nginx, '-t', '-c', $conf], timeout => 60);
    return ($rc, "$out$err");
}

# loaded but unused: what every other site of the machine gets now
my ($trc, $tout) = nginx_t(main_conf('unused'));
is($trc, 0, 'nginx -t with modules-enabled/*.conf and no seam_oauth directive') or diag($tout);

# README's two files, each named by its first line
my @blocks = code_blocks($debian, 'nginx');
is(scalar @blocks, 2, 'README\'s "Installing on Debian" has two nginx blocks');
my (%file, @order);
for my $b (@blocks) {
    my ($path) = $b =~ m{\A# (/etc/nginx/\S+)\n} or do { fail("a README nginx block names no file: $b"); next };
    $file{$path} = $b;
    push @order, $path;
}
my ($confd) = grep { m{^/etc/nginx/conf\.d/[^/]+\.conf$} } @order;
my ($site) = grep { m{^/etc/nginx/sites-available/[^/]+$} } @order;
ok($confd, "README's http-level file is in conf.d ($confd)");
ok($site, "README's server is in sites-available ($site)");
my @sh = map { split /\n/ } code_blocks($debian, 'sh');
ok(scalar(grep { $_ eq "ln -s $site /etc/nginx/sites-enabled/" } @sh),
   "README enables $site in sites-enabled");

# as written: nginx -t passes (it opens no socket)
sub write_readme_files {
    my ($name, %text) = @_;
    my @inc;
    for my $path (grep { defined } $confd, $site) {
        my $to = "$dir/$name-" . ($path =~ s{.*/}{}r);
        spit($to, $text{$path});
        push @inc, $to;
    }
    return @inc;
}
my @asis = write_readme_files('asis', %file);
($trc, $tout) = nginx_t(main_conf('asis', includes => \@asis));
is($trc, 0, "nginx -t on README's $confd and $site as written") or diag($tout);

# then on free loopback ports: README's `listen 443 ssl;` and the device
# cloud's API 127.0.0.1:8081, nothing else changed
my $port = Test::Nginx::Seam::_free_port();
my $api_port = Test::Nginx::Seam::_free_port();
my %run = %file;
my @listens = map { /^\s*listen\s+([^;]*);/mg } values %file;
is_deeply(\@listens, ['443 ssl'], 'README\'s server listens on 443 with TLS, and nothing else listens');
is(($run{$site} =~ s/^(\s*)listen 443 ssl;$/$1listen 127.0.0.1:$port ssl;/mg), 1,
   "README's listen 443 ssl: 127.0.0.1:$port for the test");
is(($run{$confd} =~ s/\b127\.0\.0\.1:8081\b/127.0.0.1:$api_port/g), 1,
   "README's device API 127.0.0.1:8081: the test's stand-in on 127.0.0.1:$api_port");

# README's "Configuration": a whole nginx.conf, nginx -t as written (what
# it makes of Debian's defaults is deleted again at the end)
my @config = code_blocks(readme_section('Configuration'), 'nginx');
@defaults_made = grep { !-e $_ } @nginx_defaults;
spit("$dir/configuration.conf", $config[0] // '');
($trc, $tout) = nginx_t("$dir/configuration.conf");
is($trc, 0, 'nginx -t on README\'s "Configuration" example as written') or diag($tout);

# ---------------------------------------------------------------- the first owner

my ($add) = grep { /^seam-oauth user add / } @sh;
ok($add, "README adds the first owner: " . ($add // 'no command'));
my ($email) = ($add // '') =~ /^seam-oauth user add (\S+)$/;
my ($arc, $aout, $aerr) = cmd(['bash', '-c', $add // 'false'], stdin => "$PASSWORD\n");
is($arc, 0, "README's $add (the installed CLI, the package's store)") or diag("$aout$aerr");
my ($user_id) = $aout =~ /^added \Q$email\E \(user_id (u_[A-Za-z0-9_-]+)\)$/m;
ok($user_id, "it prints the owner's user_id") or diag($aout);
inode_is("$store/data.mdb", 'file', '0600', 'www-data', 'www-data');
like((cmd([$cli, 'user', 'list']))[1], qr/^\Q$email\E\t\Q$user_id\E\t/m, 'seam-oauth user list shows the owner')
    if $user_id;

# ---------------------------------------------------------------- nginx up

my $access = "$logdir/install-test.log";
my $conf = main_conf('run', includes => [write_readme_files('run', %run)],
                     api_port => $api_port, access_log => $access);
($trc, $tout) = nginx_t($conf);
is($trc, 0, 'nginx -t on the ports of the test') or diag($tout);
my ($src, $sout, $serr) = cmd([$nginx, '-c', $conf], timeout => 30);
is($src, 0, "$nginx -c $conf starts") or diag("$sout$serr" . slurp("$dir/run/error.log"));
my $listening = sprintf '0100007F:%04X 00000000:0000 0A', $port;
my $deadline = time + 10;
while (time < $deadline) {
    my ($pid) = slurp("$dir/run/nginx.pid") =~ /(\d+)/;
    if ($pid && index(slurp("/proc/$pid/cmdline"), $conf) >= 0) {
        $nginx_pid = $pid;
        last if Test::Nginx::Seam::_children($pid) >= 2
             && slurp('/proc/net/tcp') =~ /^\s*\d+: \Q$listening\E /m;
    }
    select undef, undef, undef, 0.05;
}
ok($nginx_pid, "nginx is up on 127.0.0.1:$port") or BAIL_OUT("nginx did not start:\n" . slurp("$dir/run/error.log"));
my @workers = Test::Nginx::Seam::_children($nginx_pid);
is(scalar @workers, 2, 'two workers');
my $www = getpwnam('www-data');
for my $w (@workers) {
    my ($uid) = slurp("/proc/$w/status") =~ /^Uid:\s+(\d+)/m;
    is($uid, $www, "worker $w runs as www-data");
}

# ---------------------------------------------------------------- the flow, over HTTPS

{
    package InstallTest::Server;
    sub new { my ($class, $port) = @_; bless { port => $port }, $class }
    sub port { $_[0]{port} }
    sub tls { 1 }
}
my $srv = InstallTest::Server->new($port);

my ($page, $cookie) = login_page($srv);
is($page->{status}, 200, 'GET /authorize: the login page') or diag($page->{error} // $page->{raw});
like($page->{header}->('set-cookie') // '', qr/;\s*Secure\b/i, 'its CSRF cookie is Secure (over TLS)');

my ($code, $q, $r) = eval { obtain_code($srv, email => $email, password => $PASSWORD) };
ok($code, 'sign-in and consent: a 303 to the redirect_uri with a code') or diag($@);
is($q->{state}, 'st-1', 'and the state');
is($q->{iss}, 'https://auth.example.com', "and README's seam_oauth_issuer as iss");

my $t = exchange($srv, $code, fields => [code => $code, client_id => 'seam', client_secret => $secret]);
is($t->{status}, 200, "POST /oauth/token with the secret of $secret_file") or diag($t->{body});
my $token = $t->{json}{access_token};
is($t->{json}{user_id}, $user_id, 'the token is the owner\'s (the CLI\'s user_id)');
is($t->{json}{scope}, 'intercoms:read intercoms:unlock access_codes:read access_codes:write',
   "README's default_scope");

my $bad = exchange($srv, undef, fields => [code => 'A' x 51, client_id => 'seam', client_secret => "x$secret"]);
is($bad->{status}, 401, 'another secret: 401');

my $api = api_call($srv, $token, '/intercoms');
is($api->{status}, 200, 'GET /intercoms with the token') or diag($api->{raw});
is_deeply(json($api->{body}), { path => '/intercoms', method => 'GET', user => $user_id },
          'proxied to the device API (README\'s upstream) with X-Seam-User');
my $unlock = http($srv, 'POST', '/intercoms/ic_1/unlock', headers => [Authorization => "Bearer $token"]);
is($unlock->{status}, 200, 'POST /intercoms/ic_1/unlock with the token');
my $none = api_call($srv, undef, '/intercoms');
is($none->{status}, 401, 'without a token: 401');
is($none->{header}->('www-authenticate'), 'Bearer realm="seam-oauth"', 'with the bearer challenge');
my $meta = http($srv, 'GET', '/.well-known/oauth-authorization-server');
is((json($meta->{body}) // {})->{token_endpoint}, 'https://auth.example.com/oauth/token',
   'the metadata names the issuer\'s token endpoint');

# ---------------------------------------------------------------- README's metrics and audit log

# The block of README's that shows them: each command run as written (the
# test's port added to https://127.0.0.1/), its output against its `#`
# lines, where "…" stands for anything.
my @steps = grep { $_->[0] =~ m{/metrics |audit\.log} } @{ (readme_commands($debian))[0] };
is(scalar @steps, 2, 'README shows two commands: the metrics and the audit log');
for my $step (@steps) {
    my ($command, $expect) = @$step;
    (my $run = $command) =~ s{https://127\.0\.0\.1/}{https://127.0.0.1:$port/}g;
    my ($crc, $cout, $cerr) = cmd(['bash', '-c', $run], timeout => 30);
    is($crc, 0, "README's $command") or diag($cerr);
    prints_ok($cout, $expect, $command, {}, exact => 1);
}
my $audit = "$logdir/audit.log";
my @events = map { json($_) } split /\n/, slurp($audit);
is_deeply([map { $_->{event} . ($_->{result} ? ":$_->{result}" : '') } @events],
          ['owner_added', 'sign_in:ok', 'consent:approved', 'grant_created'],
          "$audit: the CLI's owner_added, then nginx's sign-in, consent and grant");
is($events[0]{source}, 'cli', 'owner_added from the CLI');
is($events[0]{operator}, 'root', 'run by root');
is($events[3]{user_id}, $user_id, 'the grant is the owner\'s');
unlike(slurp($audit), qr/\Q$PASSWORD\E|\Q$code\E|\Q$token\E|\Q$secret\E/, 'no password, code, token or secret in it');
my $scrape = http($srv, 'GET', '/metrics');
is($scrape->{status}, 200, 'GET /metrics from 127.0.0.1');
like($scrape->{body}, qr/^seam_oauth_redemptions_total\{result="invalid_client"\} 1$/m,
     'the refused secret counted as invalid_client');
like($scrape->{body}, qr/^seam_oauth_bearer_checks_total\{result="ok"\} 2$/m,
     'the two API calls with the token counted as bearer ok');

my $log = slurp("$dir/run/error.log");
like($log, qr/seam_oauth: store "\Q$store\E" open/, "the workers opened $store");
Test::Nginx::Seam::_clean_log_checks($log, 'nginx of README\'s configuration');

# ---------------------------------------------------------------- the logs rotated

# The installed logrotate file, forced, on the log this nginx writes in
# $logdir; then the USR1 its postrotate has Debian's init script send to
# the nginx service, sent to this nginx by its PID: the workers (www-data)
# reopen the file in a directory they must be able to pass.
ok(-s $access, "nginx logs into $logdir");
my ($lrrc, $lrout, $lrerr) = cmd(['logrotate', '-f', '-s', "$dir/logrotate.state", $logrotate]);
is($lrrc, 0, "logrotate -f $logrotate") or diag("$lrout$lrerr");
ok(-s "$access.1", "$access.1: the rotated log");
inode_is($access, 'file', '0640', 'www-data', 'adm');
my $rotated = -s "$access.1";
my $from = length slurp("$dir/run/error.log");
kill USR1 => $nginx_pid;
select undef, undef, undef, 0.5;
my $after = api_call($srv, $token, '/intercoms');
is($after->{status}, 200, 'a request after the reopen');
my $refresh = exchange($srv, undef, fields => [grant_type => 'refresh_token', refresh_token => $t->{json}{refresh_token},
                                               client_id => 'seam', client_secret => $secret]);
is($refresh->{status}, 200, 'a refresh after the reopen') or diag($refresh->{body});
select undef, undef, undef, 0.2;
ok($rotated && -s $access, "nginx writes into the new $access")
    or diag(substr(slurp("$dir/run/error.log"), $from));
ok($rotated && -s "$access.1" == $rotated, 'and no longer into the rotated one');
unlike(substr(slurp("$dir/run/error.log"), $from), qr/\[(?:alert|crit|emerg)\]/, 'the reopen logged no [alert], [crit] or [emerg]');
ok(-s "$audit.1", "$audit.1: the rotated audit log");
is_deeply([map { json($_)->{event} } split /\n/, slurp($audit)], ['refresh'],
          "the refresh is the first line of the new $audit");
is(scalar(split /\n/, slurp("$audit.1")), 4, "and the four lines before it are in $audit.1");
inode_is($audit, 'file', '0640', 'www-data', 'adm');

ok(stop_nginx(), 'nginx stopped by its PID');

# ---------------------------------------------------------------- dpkg -r

my ($rrc, $rout, $rerr) = cmd(['dpkg', '-r', $package]);
is($rrc, 0, "dpkg -r $package") or diag("$rout$rerr");
is(dpkg_status(), 'rc', 'removed, its configuration kept');
ok(!defined inode($enabled), 'the module is disabled: no modules-enabled link');
is(readlink("$enabled.removed"), $available, "the link kept as $enabled.removed, as Debian's module packages do");
ok(!-e $module && !-e $cli, 'the module and the CLI are gone');
ok(-f "/etc/nginx/snippets/$_", "the conffile /etc/nginx/snippets/$_ stays") for @snippets;
inode_is($store, 'dir', '0700', 'www-data', 'www-data');
ok(-s "$store/data.mdb", 'the store keeps its data (the owner, the grant)');
ok(-f $secret_file && -d $logdir, 'the secret and the logs stay');
($trc, $tout) = nginx_t(main_conf('removed'));
is($trc, 0, 'nginx -t with modules-enabled/*.conf: nothing loads the removed module') or diag($tout);

# ---------------------------------------------------------------- dpkg -P

my ($prc, $pout, $perr) = cmd(['dpkg', '-P', $package]);
is($prc, 0, "dpkg -P $package") or diag("$pout$perr");
ok(!dpkg_knows(), 'purged: dpkg no longer knows it (' . dpkg_status() . ')');
my %shared = map { $_ => 1 } grep { -d $_ && $_ !~ m{/\Q$package\E(?:/|$)} } @listed;
my @left = grep { !$shared{$_} && defined inode($_) } @listed, @made;
is_deeply(\@left, [], 'no file of the package is left, nor what its postinst made');
ok(!-e $logrotate, "$logrotate is gone");
is_deeply(snapshot_etc_nginx(), $etc_before, 'nothing else under /etc/nginx changed');

done_testing();
