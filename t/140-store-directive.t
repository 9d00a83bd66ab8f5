# seam_oauth_store's parameters: map_size= and sync= in any order, each at
# most once; anything else stops nginx with a line that names it.
use lib 't/lib';
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;

$Test::Nginx::Seam::DEFAULT{config} = server_config();

run_tests();

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

=== TEST 10: three parameters is one too many
--- http_config
seam_oauth_store $TEST_NGINX_STORE map_size=64m sync=full sync=nometa;
seam_oauth_client seam secret=seamsecret redirect=https://*.integrations.getseam.com/ intercom_guide;
--- must_die
--- error_log
invalid number of arguments in "seam_oauth_store" directive
