package Test::Nginx::Seam;

# Request-test harness for ngx_http_seam_oauth_module: a small stand-in for
# openresty's Test::Nginx (not installable here), built on Test::Base.
#
# Data blocks (run_tests): main_config http_config config workers user
#   init request pipelined_requests raw_request more_headers timeout
#   error_code error_code_like (a regex instead of a number)
#   response_headers response_headers_like response_body
#   response_body_like response_body_unlike error_log no_error_log
#   must_die; every block also gets two checks: no [alert]/[crit]/[emerg],
#   no "exited on signal". Each block gets a fresh nginx prefix, store and
#   port; `user` lines ("EMAIL PASSWORD") are created with the CLI first.
#   run_tests() plans for the blocks when nothing was planned or run before
#   it; a file with flow tests first calls it last, then done_testing().
#
#   --- init: Perl code run once the block's nginx is up, before its
#   requests, with the server in $srv (what start_nginx returns, so
#   SeamFlow's helpers take it); $srv->set_var(NAME => value) defines
#   $TEST_NGINX_NAME for the requests, more_headers and expected values:
#     --- init
#     $srv->set_var(CODE => scalar obtain_code($srv));
#     --- request
#     POST /oauth/token
#     code=$TEST_NGINX_CODE&client_id=seam&client_secret=seamsecret
#   A block whose init dies fails (one failure, the rest skipped).
#
#   --- pipelined_requests eval: an array ref of requests written as in
#   --- request, sent in order, each on a connection of its own once the
#   previous answer is read (Test::Nginx uses one keep-alive connection;
#   nothing here needs that). more_headers, error_code(_like),
#   response_headers(_like) and the response_body checks then take an
#   array ref (eval) with one entry per request, undef for no check
#   (error_code: undef is 200), or a plain value for every request; test
#   names end in "(req N)", N from 0:
#     --- pipelined_requests eval
#     ["GET /intercoms", "POST /intercoms/ic_1/unlock"]
#     --- error_code eval
#     [200, 403]
#
#   --- request: "METHOD [TARGET [HTTP/x.y]]", then the body; lines
#   starting with # before the request line are comments. more_headers:
#   "Name: value" lines, # lines skipped, values kept to their last byte
#   (trailing whitespace too, as in Test::Nginx); a name given twice is
#   sent twice.
# Flow tests: start_nginx(...) -> ->port ->store ->prefix ->pid ->url
#   ->error_log ->reload(%new_opts) ->restart ->stop ->assert_clean_log
#   ->test_config (nginx -t: exit code, output); new_nginx(...) makes the
#   server without starting it (->start starts it); run_as => 'USER
#   GROUP' makes the workers drop to that user (root runs them as root).
#   http http_raw http_parallel cli form_encode form_decode parse_location;
#   http and http_raw take any object with ->port, and speak TLS to one
#   whose ->tls is true (pkg/install.t's server).
# Environment: TEST_NGINX_BINARY SEAM_OAUTH_MODULE SEAM_OAUTH_CLI
#   TEST_NGINX_NO_MODULE TEST_NGINX_LOG_LEVEL TEST_NGINX_KEEP.
#
# Things that surprise: Test::Base keeps one trailing newline in multi-line
# sections, so `--- request` bodies end in "\n" (Test::Nginx trims request
# bodies, this harness does not: use `--- request chomp` or eval for form
# bodies) and exact bodies usually
# want `--- response_body chomp`. Trim also drops trailing blank lines, so a
# raw_request needs eval to end with its empty line. A section may appear
# only once per block. Under eval, error_log patterns are regexes. In an
# eval section, write \$TEST_NGINX_X inside double quotes (the filter dies
# on the empty Perl variable otherwise); inside qr// nothing is substituted.

use strict;
use warnings;

# Loaded without import so that the test file's own `use Test::Nginx::Seam`
# is the first Test::Base import: that makes this class Test::Base's default
# class, and Spiffy then exports Test::Base's functions along with ours.
use Test::Base ();
use Test::Base::Filter ();
use Test::More import => [qw(ok is like unlike diag done_testing subtest note explain BAIL_OUT)];
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp ();
use IO::Select;
use IO::Socket::INET;
use POSIX ();
use Scalar::Util ();
use Storable qw(nstore retrieve);
use Time::HiRes qw(time sleep);

our @ISA = ('Test::Base');
our @EXPORT = qw(
    run_tests repeat_each count_block_tests
    start_nginx new_nginx http http_raw http_parallel cli
    form_encode form_decode parse_location
    done_testing subtest note explain BAIL_OUT
);

our $REPO = abs_path(dirname(__FILE__) . '/../../../..');
our $TIMEOUT = 10;
my $START_WAIT = 5;
my $STOP_WAIT = 5;

# Paths are read from %ENV at use time, not load time, so a test file may
# still adjust them (e.g. TEST_NGINX_NO_MODULE) after `use`.
sub nginx_binary { $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx' }
sub module_path  { $ENV{SEAM_OAUTH_MODULE} || "$REPO/build/ngx_http_seam_oauth_module.so" }
sub cli_path     { $ENV{SEAM_OAUTH_CLI}    || "$REPO/build/seam-oauth" }

my $REPEAT = 1;

# Sections a block inherits when it has none of its own (main_config,
# http_config, config, workers, user): a test file sets them once.
our %DEFAULT;
sub repeat_each { $REPEAT = shift if @_; $REPEAT }

# ---------------------------------------------------------------- helpers

sub _slurp {
    my ($file) = @_;
    open my $fh, '<:raw', $file or return '';
    local $/;
    return scalar <$fh>;
}

sub _spit {
    my ($file, $data) = @_;
    open my $fh, '>:raw', $file or die "cannot write $file: $!\n";
    print {$fh} $data;
    close $fh or die "cannot write $file: $!\n";
}

sub _subst {
    my ($text, $vars) = @_;
    return $text if !defined $text || ref $text;
    # An unknown name would otherwise reach nginx as a bogus variable.
    $text =~ s{\$(TEST_NGINX_[A-Z0-9_]+)}{
        $vars->{$1} // $ENV{$1} // die "unknown template variable \$$1\n"
    }ge;
    return $text;
}

my %PORT_TAKEN;

sub _free_port {
    for (1 .. 100) {
        my $s = IO::Socket::INET->new(
            LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp', Listen => 1,
        ) or next;
        my $port = $s->sockport;
        close $s;
        # Two servers of one test file must never be handed the same port.
        return $port unless $PORT_TAKEN{$port}++;
    }
    die "no free port on 127.0.0.1\n";
}

# Runs a command to completion with files for stdio: pipes could deadlock,
# and a daemonizing nginx keeps its inherited stdio open after we return.
sub _run_capture {
    my ($argv, $stdin, $timeout) = @_;
    my $dir = File::Temp->newdir('seam-run-XXXXXX', TMPDIR => 1);
    _spit("$dir/in", $stdin // '');
    my $pid = fork // die "fork: $!\n";
    if (!$pid) {
        open STDIN,  '<', "$dir/in";
        open STDOUT, '>', "$dir/out";
        open STDERR, '>', "$dir/err";
        { no warnings 'exec'; exec { $argv->[0] } @$argv; }
        print STDERR "cannot exec $argv->[0]: $!\n";
        POSIX::_exit(127);
    }
    my $deadline = time + ($timeout // 30);
    while (waitpid($pid, POSIX::WNOHANG()) == 0) {
        if (time > $deadline) {
            kill KILL => $pid;
            waitpid $pid, 0;
            last;
        }
        sleep 0.01;
    }
    my $code = $? & 127 ? 128 + ($? & 127) : $? >> 8;
    return ($code, _slurp("$dir/out"), _slurp("$dir/err"));
}

# /proc is consulted because the nginx master is not our child: once it
# exits it may stay a zombie under a PID 1 that does not reap.
sub _alive {
    my ($pid) = @_;
    return 0 unless kill 0, $pid;
    my $stat = _slurp("/proc/$pid/stat");
    return !($stat =~ /^\d+ \(.*\) (\S)/s && $1 eq 'Z');
}

sub _children {
    my ($ppid) = @_;
    my @kids;
    for my $dir (glob '/proc/[0-9]*') {
        my $stat = _slurp("$dir/stat");
        push @kids, $1 if $stat =~ /^(\d+) \(.*\) [^Z] (\d+) /s && $2 == $ppid;
    }
    return @kids;
}

sub _wait_gone {
    my ($secs, @pids) = @_;
    my $deadline = time + $secs;
    while (grep { _alive($_) } @pids) {
        return 0 if time > $deadline;
        sleep 0.02;
    }
    return 1;
}

sub _clean_log_checks {
    my ($log, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my @bad = grep { /\[(?:alert|crit|emerg)\]/ } split /\n/, $log;
    ok(!@bad, "$name - no [alert], [crit] or [emerg] in error.log")
        or diag(join "\n", @bad);
    my @sig = grep { /exited on signal/ } split /\n/, $log;
    ok(!@sig, "$name - no worker exited on a signal")
        or diag(join "\n", @sig);
}

# ---------------------------------------------------------------- server

my %LIVE;    # refaddr => weakened server object, for the END cleanup

sub start_nginx {
    my $srv = Test::Nginx::Seam::Server->_new(@_);
    eval { $srv->_create_users; $srv->_start; 1 } or die "start_nginx: $@";
    return $srv;
}

# A server with its prefix and configuration, not started: for tests of
# what nginx does with a store before it runs.
sub new_nginx { Test::Nginx::Seam::Server->_new(@_) }

END {
    for my $srv (grep { defined } values %LIVE) {
        $srv->stop;
    }
}

# An interrupted `prove` must still run END so no nginx is left behind.
for my $sig (qw(INT TERM HUP PIPE)) {
    $SIG{$sig} = sub { exit 1 }
        if !defined $SIG{$sig} || $SIG{$sig} eq '' || $SIG{$sig} eq 'DEFAULT';
}

{
    package Test::Nginx::Seam::Server;

    use strict;
    use warnings;
    use Time::HiRes qw(time sleep);

    sub _new {
        my ($class, %opts) = @_;
        my $tmp = File::Temp->newdir('seam-nginx-XXXXXX', TMPDIR => 1,
                                     CLEANUP => !$ENV{TEST_NGINX_KEEP});
        my $prefix = "$tmp";
        Test::More::diag("TEST_NGINX_KEEP: prefix kept at $prefix") if $ENV{TEST_NGINX_KEEP};
        for (qw(conf logs store)) {
            mkdir "$prefix/$_" or die "mkdir $prefix/$_: $!\n";
        }
        my $self = bless {
            opts => \%opts, tmp => $tmp, prefix => $prefix,
            store => "$prefix/store", port => Test::Nginx::Seam::_free_port(),
            owner => $$,
        }, $class;
        Scalar::Util::weaken($LIVE{Scalar::Util::refaddr($self)} = $self);
        return $self;
    }

    sub port   { $_[0]{port} }
    sub store  { $_[0]{store} }
    sub prefix { $_[0]{prefix} }
    sub pid    { $_[0]{pid} }
    sub url    { "http://127.0.0.1:$_[0]{port}" . ($_[1] // '/') }
    sub error_log { Test::Nginx::Seam::_slurp("$_[0]{prefix}/logs/error.log") }

    sub vars {
        my ($self) = @_;
        return {
            (map { ("TEST_NGINX_$_" => $self->{vars}{$_}) } keys %{ $self->{vars} || {} }),
            TEST_NGINX_SERVER_PORT => $self->{port},
            TEST_NGINX_STORE       => $self->{store},
            TEST_NGINX_HTML_DIR    => "$Test::Nginx::Seam::REPO/html",
            TEST_NGINX_REPO        => $Test::Nginx::Seam::REPO,
            TEST_NGINX_SERVROOT    => $self->{prefix},
        };
    }

    # set_var(CODE => $code) defines $TEST_NGINX_CODE for what this server
    # substitutes from then on (a block's --- init sets them for its
    # requests and expected values).
    sub set_var {
        my ($self, %v) = @_;
        for (keys %v) {
            die "set_var: bad name '$_' (want [A-Z0-9_]+)\n" unless /^[A-Z0-9_]+$/;
            die "set_var: $_ has no value\n" unless defined $v{$_};
            die "set_var: TEST_NGINX_$_ is the harness's\n"
                if exists $self->vars->{"TEST_NGINX_$_"} && !exists $self->{vars}{$_};
            $self->{vars}{$_} = $v{$_};
        }
        return $self;
    }

    sub subst { Test::Nginx::Seam::_subst($_[1], $_[0]->vars) }

    sub _workers {
        my $w = $_[0]{opts}{workers} // 1;
        $w =~ s/\s+//g;
        return $w || 1;
    }

    sub _write_conf {
        my ($self) = @_;
        my $o = $self->{opts};
        my $p = $self->{prefix};
        my %part = map { $_ => $self->subst($o->{$_} // '') } qw(main_config http_config config);
        my $load = $ENV{TEST_NGINX_NO_MODULE} ? ''
                 : 'load_module ' . Test::Nginx::Seam::module_path() . ";\n";
        # Workers would otherwise drop to nobody and lose access to the
        # store; the directive is rejected with a [warn] when not root.
        # run_as => 'nobody nogroup' makes them drop to that user instead.
        my $user = $> != 0 ? ''
                 : defined $o->{run_as} ? "user $o->{run_as};\n" : "user root;\n";
        my $level = $ENV{TEST_NGINX_LOG_LEVEL} || 'info';
        my $workers = $self->_workers;
        Test::Nginx::Seam::_spit("$p/conf/nginx.conf", <<"EOC");
$load${user}worker_processes $workers;
daemon on;
master_process on;
pid logs/nginx.pid;
error_log logs/error.log $level;
events { worker_connections 1024; }

$part{main_config}
http {
    access_log off;
    client_body_temp_path $p/client_body_temp;
    proxy_temp_path $p/proxy_temp;
    fastcgi_temp_path $p/fastcgi_temp;
    uwsgi_temp_path $p/uwsgi_temp;
    scgi_temp_path $p/scgi_temp;

$part{http_config}
    server {
        listen 127.0.0.1:$self->{port};
        server_name localhost;

$part{config}
    }
}
EOC
    }

    sub _create_users {
        my ($self) = @_;
        my @users = @{ $self->{opts}{users} || [] } or return;
        my $cli = Test::Nginx::Seam::cli_path();
        die "owner accounts requested but the CLI $cli is not executable (set SEAM_OAUTH_CLI)\n"
            unless -x $cli;
        for my $line (@users) {
            my ($email, $password) = $self->subst($line) =~ /^\s*(\S+)\s+(.*?)\s*$/
                or die "bad user line (want 'EMAIL PASSWORD'): $line\n";
            my ($rc, $out, $err) = Test::Nginx::Seam::_run_capture(
                [$cli, '--store', $self->{store}, 'user', 'add', $email], "$password\n");
            die "$cli user add $email failed (exit $rc)\n$out$err" if $rc;
        }
    }

    # Dies with nginx's stderr and error.log when it does not come up.
    sub _start {
        my ($self, $keep_port) = @_;
        my $p = $self->{prefix};
        my $log = "$p/logs/error.log";
        for my $attempt (1 .. 5) {
            my $from = (-s $log) || 0;
            $self->_write_conf;
            unlink "$p/logs/nginx.pid";
            my ($rc, $out, $err) = Test::Nginx::Seam::_run_capture(
                [Test::Nginx::Seam::nginx_binary(), '-p', "$p/", '-e', 'logs/error.log',
                 '-c', 'conf/nginx.conf']);
            my $why = $rc ? "nginx exited with $rc" : $self->_wait_up;
            return unless defined $why;
            $self->stop;
            my $tail = substr(Test::Nginx::Seam::_slurp($log), $from);
            if (!$keep_port && "$err$tail" =~ /Address already in use/) {
                # The port was grabbed between probing and binding: forget
                # the failed attempt so its [emerg] does not fail the block.
                truncate $log, $from;
                $self->{port} = Test::Nginx::Seam::_free_port();
                next;
            }
            die "$why\n--- stderr:\n$out$err--- error.log:\n$tail";
        }
        die "nginx could not get a free port\n";
    }

    sub _wait_up {
        my ($self) = @_;
        my $deadline = time + $START_WAIT;
        my $why = 'no pid file';
        while (time < $deadline) {
            sleep 0.02;
            my ($pid) = Test::Nginx::Seam::_slurp("$self->{prefix}/logs/nginx.pid") =~ /(\d+)/
                or next;
            # The pid file is only trusted for a master running our prefix.
            my $cmd = Test::Nginx::Seam::_slurp("/proc/$pid/cmdline");
            if (!Test::Nginx::Seam::_alive($pid) || index($cmd, $self->{prefix}) < 0) {
                return "nginx master $pid is not running";
            }
            $self->{pid} = $pid;
            $why = 'workers did not start';
            next if Test::Nginx::Seam::_children($pid) < $self->_workers;
            # Looked up in /proc rather than probed with a connection, which
            # would log "client closed connection" into every block's log.
            $why = "port $self->{port} is not listening";
            my $port = sprintf '%04X', $self->{port};
            return undef if Test::Nginx::Seam::_slurp('/proc/net/tcp')
                =~ /^\s*\d+: 0100007F:$port 00000000:0000 0A /m;
        }
        return "$why after ${START_WAIT}s";
    }

    # Returns false when nginx had to be killed.
    sub stop {
        my ($self) = @_;
        my $pid = delete $self->{pid};
        return 1 unless $pid && $self->{owner} == $$ && Test::Nginx::Seam::_alive($pid);
        my @kids = Test::Nginx::Seam::_children($pid);
        kill TERM => $pid;
        return 1 if Test::Nginx::Seam::_wait_gone($STOP_WAIT, $pid);
        @kids = (@kids, Test::Nginx::Seam::_children($pid));
        kill KILL => $pid, @kids;
        Test::Nginx::Seam::_wait_gone(1, $pid, @kids);
        return 0;
    }

    # nginx -t on the configuration as it would start: (exit code, what it
    # printed on stdout and stderr).
    sub test_config {
        my ($self) = @_;
        $self->_write_conf;
        my $p = $self->{prefix};
        # nginx -t returns from main() with its configuration still
        # allocated, by design: under make test-asan that is no leak
        local $ENV{ASAN_OPTIONS} = "$ENV{ASAN_OPTIONS}:detect_leaks=0"
            if defined $ENV{ASAN_OPTIONS};
        my ($rc, $out, $err) = Test::Nginx::Seam::_run_capture(
            [Test::Nginx::Seam::nginx_binary(), '-t', '-p', "$p/", '-e', 'logs/error.log',
             '-c', 'conf/nginx.conf']);
        return ($rc, "$out$err");
    }

    # Starts a server made by new_nginx; dies as start_nginx does.
    sub start {
        my ($self) = @_;
        eval { $self->_create_users; $self->_start; 1 } or die "start: $@";
        return $self;
    }

    sub restart {
        my ($self) = @_;
        $self->stop;
        eval { $self->_start(1); 1 } or die "restart: $@";
        return $self;
    }

    # Named options replace those given to start_nginx before the HUP, so a
    # flow test can also reload into a new configuration.
    sub reload {
        my ($self, %opts) = @_;
        local $Test::Builder::Level = $Test::Builder::Level + 1;
        $self->{opts} = { %{ $self->{opts} }, %opts };
        $self->_write_conf;
        my $pid = $self->{pid} or die "reload: nginx is not running\n";
        my %old = map { $_ => 1 } Test::Nginx::Seam::_children($pid);
        my $from = length $self->error_log;
        kill HUP => $pid;
        # Watching the process table instead of the log works at any log
        # level; the log only serves to give up early on a rejected config.
        my $deadline = time + $START_WAIT;
        while (time < $deadline) {
            sleep 0.02;
            last if substr($self->error_log, $from) =~ /\[emerg\]/;
            my @now = Test::Nginx::Seam::_children($pid);
            next if grep { $old{$_} } @now;
            next if @now < $self->_workers;
            sleep 0.1;
            return 1;
        }
        Test::More::diag("reload failed or did not replace the workers within ${START_WAIT}s:\n"
                         . substr($self->error_log, $from));
        return 0;
    }

    sub assert_clean_log {
        my ($self, $name) = @_;
        local $Test::Builder::Level = $Test::Builder::Level + 1;
        Test::Nginx::Seam::_clean_log_checks($self->error_log, $name // 'error.log');
    }

    sub DESTROY {
        my ($self) = @_;
        $self->stop if $self->{owner} == $$;
    }
}

# ---------------------------------------------------------------- client

sub _pairs { map { [ $_[$_ * 2], $_[$_ * 2 + 1] ] } 0 .. @_ / 2 - 1 }

sub _build_request {
    my ($method, $target, $headers, $body, $proto) = @_;
    my @h = _pairs(ref $headers eq 'HASH' ? %$headers : @{ $headers || [] });
    my %have = map { lc $_->[0] => 1 } @h;
    my @lines = ("$method $target " . ($proto // 'HTTP/1.1'));
    push @lines, 'Host: localhost'   unless $have{host};
    push @lines, 'Connection: close' unless $have{connection};
    push @lines, "$_->[0]: $_->[1]" for @h;
    $body //= '';
    push @lines, 'Content-Length: ' . length $body
        if !$have{'content-length'} && !$have{'transfer-encoding'}
        && (length $body || $method =~ /^(?:POST|PUT|PATCH)$/);
    return join("\r\n", @lines) . "\r\n\r\n" . $body;
}

sub _parse_response {
    my ($raw, $head_only) = @_;
    my %res = (raw => $raw, status => undef, headers => {}, body => '', complete => 0);
    my $rest = $raw;
    my $head;
    do {    # interim 1xx responses precede the real one
        my $end = index $rest, "\r\n\r\n";
        return \%res if $end < 0;
        $head = substr $rest, 0, $end;
        $rest = substr $rest, $end + 4;
    } while ($head =~ m{^HTTP/\d\.\d\s+1\d\d\b});
    my ($line, @lines) = split /\r\n/, $head;
    ($res{protocol}, $res{status}, $res{reason}) = $line =~ m{^(HTTP/\S+)\s+(\d{3})\s*(.*)$};
    for (@lines) {
        push @{ $res{headers}{ lc $1 } }, $2 if /^([^:\s]+)\s*:\s*(.*?)\s*$/;
    }
    my $te = lc join ',', @{ $res{headers}{'transfer-encoding'} || [] };
    my ($len) = @{ $res{headers}{'content-length'} || [] };
    if ($head_only || ($res{status} // '') =~ /^(?:204|304)$/) {
        $res{complete} = 1;
    } elsif ($te =~ /chunked/) {
        my $pos = 0;
        while ((my $eol = index $rest, "\r\n", $pos) >= 0) {
            my ($size) = substr($rest, $pos, $eol - $pos) =~ /^([0-9a-fA-F]+)/ or last;
            $size = hex $size;
            if ($size == 0) {
                $res{complete} = substr($rest, $eol + 2) =~ /^(?:[^\r\n]+\r\n)*\r\n/;
                last;
            }
            last if length($rest) < $eol + 2 + $size + 2;
            $res{body} .= substr $rest, $eol + 2, $size;
            $pos = $eol + 2 + $size + 2;
        }
    } elsif (defined $len) {
        $res{body} = substr $rest, 0, $len;
        $res{complete} = length($rest) >= $len;
    } else {
        $res{body} = $rest;
    }
    return \%res;
}

sub _with_accessor {
    my ($res) = @_;
    my $h = $res->{headers};
    $res->{header} = sub {
        my @v = @{ $h->{ lc $_[0] } || [] };
        return wantarray ? @v : $v[0];
    };
    return $res;
}

# Sends $bytes (a string, or an array of pieces written 100 ms apart) and
# reads until EOF. A complete response on a connection the server keeps
# open ends the read after a short quiet spell instead of the full timeout.
# Over TLS when the server object says so ($srv->tls, e.g. pkg/install.t's
# listen ... ssl server), without checking its certificate.
sub _exchange {
    my ($port, $bytes, $head_only, $timeout, $tls) = @_;
    $timeout ||= $TIMEOUT;
    my %peer = (PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp',
                Timeout => $timeout);
    my ($sock, $why);
    if ($tls) {
        require IO::Socket::SSL;
        $sock = IO::Socket::SSL->new(%peer, SSL_verify_mode => IO::Socket::SSL::SSL_VERIFY_NONE())
            or $why = $IO::Socket::SSL::SSL_ERROR || "$!";
    } else {
        $sock = IO::Socket::INET->new(%peer) or $why = "$!";
    }
    $sock or return _with_accessor({ status => undef, headers => {}, body => '', raw => '',
                                     error => "connect to 127.0.0.1:$port: $why" });
    $sock->blocking(0);
    local $SIG{PIPE} = 'IGNORE';
    my $sel = IO::Select->new($sock);
    my $deadline = time + $timeout;
    my @pieces = ref $bytes ? @$bytes : ($bytes);
    WRITE: for my $i (0 .. $#pieces) {
        sleep 0.1 if $i;
        my $buf = $pieces[$i];
        while (length $buf) {
            last WRITE unless $sel->can_write($deadline - time);
            my $n = syswrite $sock, $buf;
            next if !defined $n && ($!{EAGAIN} || $!{EINTR});
            # nginx may answer and close before reading everything (e.g. a
            # header too large): stop writing and read what it said.
            last WRITE unless $n;
            substr($buf, 0, $n, '');
        }
    }
    my ($raw, $error) = ('', undef);
    while (1) {
        my $wait = $deadline - time;
        $wait = 0.2 if $wait > 0.2 && _parse_response($raw, $head_only)->{complete};
        # TLS may hold decrypted bytes that select() cannot see
        if ((!$tls || !$sock->pending) && ($wait <= 0 || !$sel->can_read($wait))) {
            $error = "timed out after ${timeout}s" unless _parse_response($raw, $head_only)->{complete};
            last;
        }
        my $n = sysread $sock, my $chunk, 65536;
        next if !defined $n && ($!{EAGAIN} || $!{EINTR});
        last unless $n;
        $raw .= $chunk;
    }
    close $sock;
    my $res = _parse_response($raw, $head_only);
    $res->{error} = $error if defined $error;
    $res->{error} //= 'no response' unless defined $res->{status};
    return _with_accessor($res);
}

sub http {
    my ($srv, $method, $target, %o) = @_;
    my @headers = ref $o{headers} eq 'HASH' ? %{ $o{headers} } : @{ $o{headers} || [] };
    # Absolute URLs (e.g. a Location to follow) are sent as path + Host.
    if ($target =~ m{^https?://([^/?#]+)(.*)$}) {
        $target = length $2 ? $2 : '/';
        push @headers, Host => $1 unless grep { lc $_->[0] eq 'host' } _pairs(@headers);
    }
    my $req = _build_request($method, $target, \@headers, $o{body}, $o{protocol});
    return _exchange($srv->port, $req, $method eq 'HEAD', $o{timeout}, _tls($srv));
}

sub _tls { my ($srv) = @_; return Scalar::Util::blessed($srv) && $srv->can('tls') && $srv->tls }

sub http_raw {
    my ($srv, $bytes, %o) = @_;
    my $first = ref $bytes ? $bytes->[0] : $bytes;
    return _exchange($srv->port, $bytes, $first =~ /^HEAD\s/, $o{timeout}, _tls($srv));
}

sub http_parallel {
    my ($srv, $requests) = @_;
    my $dir = File::Temp->newdir('seam-par-XXXXXX', TMPDIR => 1);
    pipe my $gate_r, my $gate_w or die "pipe: $!\n";
    my @pids;
    for my $i (0 .. $#$requests) {
        my $pid = fork // die "fork: $!\n";
        if (!$pid) {
            close $gate_w;
            sysread $gate_r, my $byte, 1;    # EOF arrives for every child at once
            my $res = eval { http($srv, @{ $requests->[$i] }) }
                   || { status => undef, headers => {}, body => '', raw => '', error => $@ };
            delete $res->{header};
            nstore $res, "$dir/$i";
            POSIX::_exit(0);    # no END blocks, no Test::Builder summary, no cleanup
        }
        push @pids, $pid;
    }
    close $gate_r;
    sleep 0.05;    # let every child reach the barrier
    close $gate_w;
    waitpid $_, 0 for @pids;
    return map {
        _with_accessor(-e "$dir/$_" ? retrieve("$dir/$_")
                       : { status => undef, headers => {}, body => '', raw => '', error => 'child died' })
    } 0 .. $#$requests;
}

sub cli {
    my $opts = ref $_[-1] eq 'HASH' ? pop : {};
    my ($target, @args) = @_;
    my $store = ref $target ? $target->store : $target;
    return _run_capture([cli_path(), '--store', $store, @args], $opts->{stdin}, $opts->{timeout});
}

# ---------------------------------------------------------------- encoding

sub _uri_escape {
    my ($s) = @_;
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf '%%%02X', ord $1/ge;
    return $s;
}

sub _uri_unescape {
    my ($s) = @_;
    $s =~ tr/+/ /;
    $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    return $s;
}

sub form_encode {
    return join '&', map { _uri_escape($_->[0]) . '=' . _uri_escape($_->[1] // '') } _pairs(@_);
}

# List context: ordered pairs (duplicates kept); scalar: hashref, first wins.
sub form_decode {
    my ($s) = @_;
    my @pairs = map { my ($k, $v) = split /=/, $_, 2; (_uri_unescape($k), _uri_unescape($v // '')) }
                grep { length } split /&/, $s // '';
    return @pairs if wantarray;
    my %h;
    for (my $i = 0; $i < @pairs; $i += 2) {
        $h{ $pairs[$i] } //= $pairs[$i + 1];
    }
    return \%h;
}

# Returns (url without query/fragment, query params, fragment params).
sub parse_location {
    my ($url) = @_;
    my ($base, $query, $frag) = ($url // '') =~ /^([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s;
    return ($base, scalar form_decode($query), scalar form_decode($frag));
}

# ---------------------------------------------------------------- data blocks

# Test::Base's own eval filter returns $@ as the section's value, which turns
# a typo into a puzzling assertion failure; die with the block name instead.
{
    package Test::Nginx::Seam::Filter;
    our @ISA = ('Test::Base::Filter');

    sub eval {
        my ($self, @v) = @_;
        my $code = join '', @v;
        # "...$TEST_NGINX_CODE..." would interpolate an empty Perl variable
        # where a template variable was meant, and a check could pass on it.
        local $SIG{__WARN__} = sub {
            die "$_[0](write \\\$TEST_NGINX_... inside double quotes)\n"
                if $_[0] =~ /uninitialized value \$TEST_NGINX_/;
            warn $_[0];
        };
        my @r = CORE::eval("package main; no strict 'vars'; $code");
        die "eval filter in block '" . $self->current_block->name . "' failed: $@" if $@;
        return @r;
    }
}

sub _has_eval {
    my ($block, $section) = @_;
    my $f = $block->{_section_map}[0]{$section}{filters} // '';
    return $f =~ /\beval\b/;
}

sub _lines {
    my ($text) = @_;
    return grep { /\S/ } map { s/\r$//r } split /\n/, $text // '';
}

# One entry per pattern: [qr//] for regexes, [string] for substrings.
sub _log_patterns {
    my ($block, $section) = @_;
    my @v = $block->$section;
    return () unless @v && defined $v[0];
    return map { [$_] } _lines($v[0]) unless _has_eval($block, $section);
    return map {
        ref eq 'Regexp' ? [$_] : map { [qr/$_/] } _lines($_)
    } map { ref eq 'ARRAY' ? @$_ : $_ } @v;
}

sub _log_matches {
    my ($log, $pat) = @_;
    return ref $pat->[0] ? $log =~ $pat->[0] : index($log, $pat->[0]) >= 0;
}

sub _regex {
    my ($v) = @_;
    return $v if ref $v eq 'Regexp';
    chomp $v;
    return qr/$v/s;
}

# How many requests a block sends: one for --- request or --- raw_request,
# one per element of --- pipelined_requests.
sub _request_count {
    my ($b) = @_;
    die "block '" . $b->name . "': error_code and error_code_like together\n"
        if defined $b->error_code && defined $b->error_code_like;
    if (defined(my $p = $b->pipelined_requests)) {
        die "block '" . $b->name . "': pipelined_requests wants an array ref (use eval)\n"
            unless ref $p eq 'ARRAY' && @$p;
        die "block '" . $b->name . "': pipelined_requests and request/raw_request together\n"
            if defined $b->request || defined $b->raw_request;
        return scalar @$p;
    }
    return defined $b->request || defined $b->raw_request ? 1 : 0;
}

# What a per-request section expects of request $i: an array ref (eval)
# holds one entry per request, anything else applies to every request.
sub _expect {
    my ($b, $section, $i) = @_;
    my $v = $b->$section;
    return $v unless ref $v eq 'ARRAY';
    my $n = _request_count($b);
    die "block '" . $b->name . "': $section has " . @$v . " entries for $n requests\n"
        unless @$v == $n;
    return $v->[$i];
}

my @BODY_CHECKS = qw(response_body response_body_like response_body_unlike);

sub _check_count {
    my ($b) = @_;
    my $n = () = (_log_patterns($b, 'error_log'), _log_patterns($b, 'no_error_log'));
    return 1 + $n if defined $b->must_die;
    $n += 2;    # the always-on error.log checks
    for my $i (0 .. _request_count($b) - 1) {
        $n += 1;    # the status code
        $n += _lines(_expect($b, 'response_headers', $i))
            + _lines(_expect($b, 'response_headers_like', $i));
        $n += grep { defined _expect($b, $_, $i) } @BODY_CHECKS;
        _expect($b, $_, $i) for qw(error_code error_code_like more_headers);    # dies on a bad array
    }
    return $n;
}

# The bytes of one request written as in --- request: comment lines (#)
# first, then "METHOD [TARGET [PROTOCOL]]", then the body if any; headers
# from the matching --- more_headers, whose comment lines are skipped and
# whose values keep their trailing whitespace, as in Test::Nginx.
sub _build_block_request {
    my ($srv, $text, $more) = @_;
    $text = $srv->subst($text);
    $text =~ s/\A(?:[ \t]*(?:#[^\n]*)?\n)+//;
    my ($line, $body) = split /\n/, $text, 2;
    $line =~ s/^\s+|\s+$//g;
    my ($method, $target) = split /\s+/, $line, 2;
    die "no request line\n" unless defined $method && length $method;
    my $proto;
    $proto = $1 if defined $target && $target =~ s{\s+(HTTP/\S+)$}{};
    my @headers;
    for (grep { !/^\s*#/ } _lines($srv->subst($more))) {
        /^\s*([^:\s][^:]*?)\s*:\s*(.*)$/ or die "bad more_headers line: $_\n";
        push @headers, $1, $2;
    }
    my $req = _build_request($method, (defined $target && length $target ? $target : '/'),
                             \@headers, $body, $proto);
    return ($req, $method eq 'HEAD');
}

# [bytes, head_only] for each request of the block, in order.
sub _block_requests {
    my ($b, $srv) = @_;
    if (defined(my $raw = $b->raw_request)) {
        return [ $raw, ref $raw ? $raw->[0] =~ /^HEAD\s/ : $raw =~ /^HEAD\s/ ];
    }
    my @texts = defined $b->pipelined_requests ? @{ $b->pipelined_requests } : ($b->request);
    return map { [ _build_block_request($srv, $texts[$_], _expect($b, 'more_headers', $_)) ] } 0 .. $#texts;
}

sub _check_response {
    my ($b, $name, $res, $srv, $i) = @_;
    my $like = _expect($b, 'error_code_like', $i);
    if (defined $like) {
        like($res->{status} // '', _regex($like), "$name - status code like")
            or diag($res->{error} // "raw response:\n$res->{raw}");
    } else {
        my $expect = _expect($b, 'error_code', $i) // 200;
        $expect =~ s/^\s+|\s+$//g;
        is($res->{status} // '', $expect, "$name - status code")
            or diag($res->{error} // "raw response:\n$res->{raw}");
    }
    my $joined = sub { join ', ', @{ $res->{headers}{ lc $_[0] } || [] } };
    for (_lines(_expect($b, 'response_headers', $i))) {
        if (/^\s*!\s*(\S+?)\s*$/) {
            ok(!$res->{headers}{ lc $1 }, "$name - header $1 absent")
                or diag("$1: " . $joined->($1));
        } elsif (/^\s*([^:\s]+)\s*:\s*(.*?)\s*$/) {
            is($joined->($1), $srv->subst($2), "$name - header $1");
        } else {
            ok(0, "$name - response_headers line '$_' is not 'Name: value' or '!Name'");
        }
    }
    for (_lines(_expect($b, 'response_headers_like', $i))) {
        my ($h, $re) = /^\s*([^:\s]+)\s*:\s*(.*?)\s*$/
            or (ok(0, "$name - response_headers_like line '$_' is not 'Name: regex'"), next);
        like($joined->($h), _regex($srv->subst($re)), "$name - header $h like");
    }
    my %body = map { $_ => _expect($b, $_, $i) } @BODY_CHECKS;
    is($res->{body}, $srv->subst($body{response_body}), "$name - response_body")
        if defined $body{response_body};
    like($res->{body}, _regex($srv->subst($body{response_body_like})), "$name - response_body_like")
        if defined $body{response_body_like};
    unlike($res->{body}, _regex($srv->subst($body{response_body_unlike})), "$name - response_body_unlike")
        if defined $body{response_body_unlike};
}

sub _check_log {
    my ($b, $name, $log) = @_;
    for my $p (_log_patterns($b, 'error_log')) {
        ok(_log_matches($log, $p), "$name - error_log has: $p->[0]")
            or diag("error.log:\n$log");
    }
    for my $p (_log_patterns($b, 'no_error_log')) {
        ok(!_log_matches($log, $p), "$name - no_error_log: $p->[0]")
            or diag(join "\n", grep { _log_matches($_, $p) } split /\n/, $log);
    }
}

# --- init: Perl code run once nginx is up, before the requests, with the
# block's server in $srv; it may define template variables with set_var.
sub _run_init {
    my ($b, $srv) = @_;
    my $sub = eval "package main; no strict 'vars'; sub { my (\$srv) = \@_;\n" . $b->init . "\n; 1 }"
        or die "does not compile: $@";
    $sub->($srv);
}

sub _run_block {
    my ($b, $name) = @_;
    my $count = _check_count($b);
    my $srv = Test::Nginx::Seam::Server->_new(
        (map { $_ => scalar($b->$_) // $DEFAULT{$_} }
             qw(main_config http_config config workers)),
        users => [ _lines($b->user // $DEFAULT{user}) ],
    );
    my $err = eval { $srv->_create_users; $srv->_start; 1 } ? undef : $@;
    if (defined $b->must_die) {
        $srv->stop;
        ok(defined $err, "$name - nginx refused to start") or diag($srv->error_log);
        _check_log($b, $name, $err // $srv->error_log);
        return;
    }
    if (!defined $err && defined $b->init) {
        eval { _run_init($b, $srv); 1 } or $err = "--- init failed: $@";
    }
    my @res;
    if (!defined $err && _request_count($b)) {
        my @reqs = eval { _block_requests($b, $srv) } or $err = "cannot build the request: $@";
        @res = map { _exchange($srv->port, @$_, $b->timeout) } @reqs unless defined $err;
    }
    my $stopped = $srv->stop;
    if (defined $err) {
        ok(0, "$name - nginx started and the request was sent") or diag($err);
        Test::Builder->new->skip("$name - not run: " . ($err =~ /^(.*)/)[0]) for 2 .. $count;
        return;
    }
    # Stopping first means every worker has flushed its log lines.
    my $log = $srv->error_log;
    for my $i (0 .. $#res) {
        _check_response($b, $name . (@res > 1 ? " (req $i)" : ''), $res[$i], $srv, $i);
    }
    _check_log($b, $name, $log);
    $log .= "\n[alert] (harness) nginx did not exit on TERM within ${STOP_WAIT}s and was killed\n"
        unless $stopped;
    _clean_log_checks($log, $name);
}

# Exactly the number of assertions run_tests() makes, for files that add
# their own tests to the plan.
sub count_block_tests {
    my $n = 0;
    $n += _check_count($_) for Test::Base::blocks();
    return $n * $REPEAT;
}

# The plan is run_tests()'s to declare only when nothing was planned or run
# before it; a file with flow tests first ends with done_testing().
sub run_tests {
    my @blocks = Test::Base::blocks();
    my $tb = Test::Builder->new;
    Test::More::plan(tests => count_block_tests()) unless $tb->has_plan || $tb->current_test;
    for my $rep (1 .. $REPEAT) {
        for my $b (@blocks) {
            _run_block($b, $b->name . ($REPEAT > 1 ? " (repeat $rep)" : ''));
        }
    }
}

1;
