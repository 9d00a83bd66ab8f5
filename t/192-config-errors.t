# A bad value is reported against the file and line that set it, an
# included file's too (as Debian's conf.d/ includes are), never against
# the end of the http block in nginx.conf.

use strict;
use warnings;
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;
use Test::More;

my @cases = (
    ['seam_oauth_code_ttl 20m;', qr/seam_oauth_code_ttl must be 1s to 10m/],
    ['seam_oauth_throttle_account 0;', qr/seam_oauth_throttle_account, _ip and _client must be 1 to/],
    ['seam_oauth_realm "a\"b";', qr/seam_oauth_realm must be printable ASCII without quotes/],
    ['seam_oauth_issuer ftp://example.com;', qr/seam_oauth_issuer must be an http or https URL/],
);

for my $case (@cases) {
    my ($line, $why) = @$case;
    my $srv = new_nginx(
        http_config => http_config() . "include \$TEST_NGINX_SERVROOT/conf/limits.conf;\n",
        config => server_config(),
    );
    my $file = $srv->prefix . '/conf/limits.conf';
    open my $fh, '>', $file or die "$file: $!";
    print $fh "# the operator's limits\n\n$line\n";
    close $fh;
    my ($rc, $out) = $srv->test_config;
    isnt($rc, 0, "$line: nginx -t fails");
    like($out, $why, "$line: says why");
    like($out, qr/ in \Q$file\E:3$/m, "$line: in the included file, at its line");
    unlike($out, qr/nginx\.conf:\d+$/m, "$line: not against nginx.conf");
}

done_testing();
