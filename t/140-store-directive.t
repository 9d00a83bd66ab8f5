# seam_oauth_store's parameters: map_size=, sync= and grow= in any order,
# each at most once; anything else stops nginx with a line that names it.
# Then the room grow= keeps written past the store's last page, seen in
# the size of its file. That flow runs first, then the data blocks.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

$Test::Nginx::Seam::DEFAULT{config} = server_config();

# The size of data.mdb once a code is redeemed, with `grow` on the store
# line. The owner is created by the CLI, which leaves growth to LMDB.
sub file_after_a_redemption {
    my ($grow) = @_;
    my $n = start_nginx(http_config => http_config(grow => $grow), config => server_config(),
                        users => ["$OWNER $PASSWORD"]);
    my $tok = exchange($n, scalar obtain_code($n));
    my $file = -s $n->store . '/data.mdb';
    $n->stop;
    return ($tok->{status}, $file, $n);
}

my ($status, $file, $n) = file_after_a_redemption('8m');
is($status, 200, 'grow=8m: a code redeemed');
cmp_ok($file, '>=', 8 * 1024 * 1024, 'grow=8m: 8 MiB written past the last page');
$n->assert_clean_log('grow=8m: error.log');
($status, $file, $n) = file_after_a_redemption('0');
is($status, 200, 'grow=0: a code redeemed');
cmp_ok($file, '<', 1024 * 1024, 'grow=0: the file is only what LMDB wrote');
$n->assert_clean_log('grow=0: error.log');

run_tests();
done_testing();

__DATA__

=== TEST 1: sync=nometa and map_size, either order: nginx serves, and each worker's store is open without the meta sync
--- http_config
seam_oauth_store $TEST_NGINX_STORE sync=nometa map_size=64m;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb
--- error_code: 200
--- error_log
open, sync=nometa
--- no_error_log
[error]
sync=full

=== TEST 2: sync=full, the default, spelled out
--- http_config
seam_oauth_store $TEST_NGINX_STORE map_size=64m sync=full;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb
--- error_code: 200
--- error_log
open, sync=full
--- no_error_log
sync=nometa

=== TEST 3: no sync parameter: full
--- http_config
seam_oauth_store $TEST_NGINX_STORE;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb
--- error_code: 200
--- error_log
open, sync=full
--- no_error_log
sync=nometa

=== TEST 4: an unknown sync value
--- http_config
seam_oauth_store $TEST_NGINX_STORE sync=sometimes;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- must_die
--- error_log
invalid sync "sometimes" (want "full" or "nometa")

=== TEST 5: an empty sync value
--- http_config
seam_oauth_store $TEST_NGINX_STORE sync=;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- must_die
--- error_log
invalid sync "" (want "full" or "nometa")

=== TEST 6: sync given twice
--- http_config
seam_oauth_store $TEST_NGINX_STORE sync=nometa sync=full;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- must_die
--- error_log
invalid or repeated parameter "sync=full"

=== TEST 7: map_size given twice
--- http_config
seam_oauth_store $TEST_NGINX_STORE map_size=64m map_size=1g;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- must_die
--- error_log
invalid or repeated parameter "map_size=1g"

=== TEST 8: a map_size under 64k
--- http_config
seam_oauth_store $TEST_NGINX_STORE map_size=1k;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- must_die
--- error_log
invalid map_size "1k"

=== TEST 9: an unknown parameter
--- http_config
seam_oauth_store $TEST_NGINX_STORE nosync;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- must_die
--- error_log
invalid or repeated parameter "nosync"

=== TEST 10: four parameters is one too many
--- http_config
seam_oauth_store $TEST_NGINX_STORE map_size=64m sync=full grow=1m sync=nometa;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- must_die
--- error_log
invalid number of arguments in "seam_oauth_store" directive

=== TEST 11: grow=0 and the other two, in any order
--- http_config
seam_oauth_store $TEST_NGINX_STORE grow=0 sync=nometa map_size=64m;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb
--- error_code: 200
--- error_log
open, sync=nometa, grow=0
--- no_error_log
[error]

=== TEST 12: no grow parameter: 2 MiB
--- http_config
seam_oauth_store $TEST_NGINX_STORE;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb
--- error_code: 200
--- error_log
open, sync=full, grow=2097152

=== TEST 13: grow that is not a size
--- http_config
seam_oauth_store $TEST_NGINX_STORE grow=lots;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- must_die
--- error_log
invalid grow "lots" (want 0, or 64k to 64m)

=== TEST 14: grow over 64m
--- http_config
seam_oauth_store $TEST_NGINX_STORE grow=1g;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- must_die
--- error_log
invalid grow "1g" (want 0, or 64k to 64m)

=== TEST 15: grow given twice
--- http_config
seam_oauth_store $TEST_NGINX_STORE grow=1m grow=4m;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- must_die
--- error_log
invalid or repeated parameter "grow=4m"

=== TEST 16: grow under 64k, other than 0
--- http_config
seam_oauth_store $TEST_NGINX_STORE grow=4k;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- must_die
--- error_log
invalid grow "4k" (want 0, or 64k to 64m)

=== TEST 17: the bounds themselves, 64m here
--- http_config
seam_oauth_store $TEST_NGINX_STORE grow=64m map_size=256m;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb
--- error_code: 200
--- error_log
open, sync=full, grow=67108864
--- no_error_log
[error]

=== TEST 18: and 64k
--- http_config
seam_oauth_store $TEST_NGINX_STORE grow=64k;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- request
GET /authorize?redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb
--- error_code: 200
--- error_log
open, sync=full, grow=65536
