# README.md as the tests read it: its sections, their code blocks, and the
# commands of its ```sh blocks with the "# ..." lines under each, which
# say what the command prints ("…" stands for any text). Shared by
# t/160-readme-flow.t (the demo's sections) and pkg/install.t
# ("Installing on Debian"), so that what README promises is checked one
# way everywhere.
package Test::Nginx::Readme;
use strict;
use warnings;
use utf8;
use Exporter 'import';
use Test::More ();
use Test::Nginx::Seam ();

our @EXPORT = qw(readme_section code_blocks readme_commands prints_ok);

my $text;
sub _readme {
    return $text //= do {
        my $path = "$Test::Nginx::Seam::REPO/README.md";
        open my $fh, '<:encoding(UTF-8)', $path or die "$path: $!\n";
        local $/;
        <$fh>;
    };
}

# The section under the heading `title` ("## Title" or "### Title", as
# `level` says: 2 or 3), up to the next heading of its level or above
# (README's one "# " heading is its title; a "# " line in a code block
# is a comment).
sub readme_section {
    my ($title, $level) = @_;
    my $hashes = '#' x ($level // 2);
    my ($section) = _readme() =~ /^\Q$hashes\E \Q$title\E\n(.*?)(?=^#{2,${\ length $hashes}} |\z)/ms
        or die "README.md has no section \"$hashes $title\"\n";
    return $section;
}

# The bodies of the ```lang blocks of `text` ('' for plain ``` blocks).
sub code_blocks {
    my ($text, $lang) = @_;
    my @blocks;
    # every block in turn, so that no closing fence is taken for an opening
    while ($text =~ /^```(\w*)\n(.*?)^```$/msg) {
        push @blocks, $2 if $1 eq $lang;
    }
    return @blocks;
}

# The ```sh blocks of `text` as [command, [expected lines]] pairs (a
# command continued with a trailing backslash is one), and the lines of
# its plain ``` blocks (what a command prints).
sub readme_commands {
    my ($text) = @_;
    my (@commands, @printed);
    push @printed, grep { /\S/ } map { split /\n/ } code_blocks($text, '');
    for my $body (code_blocks($text, 'sh')) {
        my @lines = split /\n/, $body;
        while (@lines) {
            my $line = shift @lines;
            next if $line !~ /\S/;
            die "README: an expected line without its command: $line\n" if $line =~ /^#/;
            my $cmd = $line;
            $cmd .= "\n" . shift @lines while $cmd =~ /\\$/ && @lines;
            my @expect;
            push @expect, (shift @lines) =~ s/^#\s?//r while @lines && $lines[0] =~ /^#/;
            push @commands, [$cmd, \@expect];
        }
    }
    return (\@commands, \@printed);
}

# Each line of `expected` matches a line of `output`, in order ("…" is
# any text; a 127.0.0.1:PORT of README's is the test's `ports`->{PORT});
# one assertion per line. `exact`: nothing else is printed either.
sub prints_ok {
    my ($output, $expected, $title, $ports, %o) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my @got = map { s/\r$//r } split /\n/, $output;
    my $at = 0;
    for my $line (@$expected) {
        my $want = $line =~ s/127\.0\.0\.1:(\d+)/"127.0.0.1:" . ($ports->{$1} \/\/ $1)/ger;
        my $re = join '.*', map { quotemeta } split /…/, $want, -1;
        my $found;
        while ($at < @got) {
            if ($got[$at++] =~ /^$re$/) { $found = 1; last }
        }
        Test::More::ok($found, "README: $title: prints \"$line\"") or Test::More::diag("it printed:\n$output");
    }
    if ($o{exact}) {
        Test::More::is(scalar @got, scalar @$expected, "README: $title: and nothing else")
            or Test::More::diag("it printed:\n$output");
    }
}

1;
