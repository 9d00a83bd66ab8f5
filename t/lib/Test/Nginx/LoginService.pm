package Test::Nginx::LoginService;

# A device cloud's login API for the login-check tests (t/tools/
# login_service.py, Debian's Python 3): started on a free loopback port,
# answering each account as the test says, and keeping every request it
# got for the test to read.
#
#   my $svc = Test::Nginx::LoginService->start(accounts => {
#       'alice@example.com' => { password => 'pw', id => 'cust-42' },
#   });
#   $svc->port; $svc->accounts({...}); $svc->requests; $svc->forget;
#   $svc->stop (also at the end of the test)

use strict;
use warnings;

use File::Temp ();
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(time sleep);

my $PYTHON = '/usr/bin/python3';
my %LIVE;

sub start {
    my ($class, %o) = @_;
    my $dir = File::Temp->newdir('seam-login-XXXXXX', TMPDIR => 1);
    my $self = bless { dir => $dir, owner => $$ }, $class;
    $self->accounts($o{accounts} || {});
    open my $touch, '>', "$dir/requests" or die "$dir/requests: $!\n";
    close $touch;
    my $script = "$Test::Nginx::Seam::REPO/t/tools/login_service.py";
    my $pid = fork // die "fork: $!\n";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$dir/stdout";
        open STDERR, '>', "$dir/stderr";
        { exec $PYTHON, $script, "$dir/port", "$dir/accounts", "$dir/requests" }
        POSIX::_exit(127);
    }
    $self->{pid} = $pid;
    $LIVE{$pid} = $self;
    my $deadline = time + 10;
    until (-s "$dir/port") {
        if (time > $deadline || waitpid($pid, POSIX::WNOHANG()) == $pid) {
            my $err = _slurp("$dir/stderr");
            die "the login service did not start\n$err";
        }
        sleep 0.02;
    }
    $self->{port} = _slurp("$dir/port") + 0;
    return $self;
}

sub port { $_[0]{port} }

# Replaces what it answers; read again on every request.
sub accounts {
    my ($self, $accounts) = @_;
    my $file = "$self->{dir}/accounts";
    open my $fh, '>', "$file.tmp" or die "$file.tmp: $!\n";
    print $fh JSON::PP->new->utf8->canonical->encode($accounts);
    close $fh;
    rename "$file.tmp", $file or die "rename $file: $!\n";
}

# The requests it got, oldest first: { method, path, headers => [[k, v]],
# body (the bytes, as a Perl string of characters), json (the body
# decoded, or undef) }.
sub requests {
    my ($self) = @_;
    my @out;
    for my $line (split /\n/, _slurp("$self->{dir}/requests")) {
        my $r = JSON::PP->new->utf8->decode($line);
        $r->{json} = eval { JSON::PP->new->utf8(0)->decode($r->{body}) };
        push @out, $r;
    }
    return @out;
}

sub forget { truncate "$_[0]{dir}/requests", 0 }

sub stop {
    my ($self) = @_;
    my $pid = delete $self->{pid} or return;
    return unless $self->{owner} == $$;
    local $?;    # an END block's exit status stays the test's
    delete $LIVE{$pid};
    kill TERM => $pid;
    waitpid $pid, 0;
}

sub DESTROY { $_[0]->stop }

END { $_->stop for values %LIVE }

sub _slurp {
    my ($path) = @_;
    open my $fh, '<:raw', $path or return '';
    local $/;
    my $s = <$fh>;
    return $s // '';
}

1;
