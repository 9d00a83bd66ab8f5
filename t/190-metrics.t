# seam_oauth_metrics: the Prometheus exposition, read with Prometheus's
# own parser (Debian's python3-prometheus-client, t/clients/
# scrape_metrics.py), checked number by number against the traffic this
# test drives through two workers: sign-ins by result, consents, codes,
# redemptions (ok, invalid_grant, a replay, invalid_client), refreshes,
# revocations, introspections, bearer checks by result; the store's
# gauges against the CLI's stats; the thread-pool histograms against the
# jobs that traffic posts. Then a reload: the counters go on from where
# they were.

use strict;
use warnings;
use Test::Nginx::Seam;
use Test::Nginx::SeamFlow;
use Test::More;
use JSON::PP ();

my $python = '/usr/bin/python3';
my $scraper = "$Test::Nginx::Seam::REPO/t/clients/scrape_metrics.py";

my $VICTIM = 'victim@example.com';

my %conf = (
    workers => 2,
    users => ["$OWNER $PASSWORD", "$VICTIM victim password"],
    http_config => http_config(map_size => '16m', extra => <<'C'),
seam_oauth_throttle_account 3;
log_format pids '$pid $status $request';
C
    config => server_config() . <<'C',
access_log $TEST_NGINX_SERVROOT/logs/pids.log pids;
location = /metrics {
    allow 127.0.0.1;
    deny all;
    seam_oauth_metrics;
}
location /unlock {
    include $TEST_NGINX_REPO/conf/seam-oauth-protect.conf;
    seam_oauth_require_scope intercoms:unlock;
    proxy_pass http://unix:$TEST_NGINX_SERVROOT/api.sock;
}
C
);
my $n = start_nginx(%conf);

# The exposition as {"name{labels}" => value}, labels sorted.
sub scrape {
    my ($srv) = @_;
    my ($rc, $out, $err) = Test::Nginx::Seam::_run_capture([$python, $scraper, $srv->url('/metrics')], '', 30);
    my $doc = eval { JSON::PP::decode_json($out) } || { error => "no JSON: $out$err" };
    die "scrape: $doc->{error}\n" if $doc->{error};
    my %v;
    for my $f (values %{ $doc->{families} }) {
        for my $s (@{ $f->{samples} }) {
            my ($name, $labels, $value) = @$s;
            my $l = join ',', map { "$_=$labels->{$_}" } sort keys %$labels;
            $v{$l eq '' ? $name : "$name\{$l}"} = $value;
        }
    }
    return (\%v, $doc);
}


my @seam = (client_id => 'seam', client_secret => 'seamsecret');

# ---------------------------------------------------------------- the traffic

my @codes = map { scalar obtain_code($n) } 1 .. 3;      # 3 sign-ins, 3 approvals, 3 codes
my @tokens = map { exchange($n, $_)->{json} } @codes;    # 3 redemptions
is(exchange($n, $codes[0])->{json}{error}, 'invalid_grant', 'a replay');
is(exchange($n, 'AAAAAAAAbogusbogusbogusbogusbogusbogusbogusbogusbog')->{json}{error},
   'invalid_grant', 'an unknown code');
is(exchange($n, $codes[1], fields => [code => $codes[1], client_id => 'seam',
                                      client_secret => 'wrong'])->{status},
   401, 'a wrong client secret');

my $denied = login($n, consent => 'deny');                # 1 sign-in, 1 denial
like($denied->{header}->('location') // '', qr/error=access_denied/, 'a denial');

for (1 .. 3) {
    sign_in_wrong();
}
sub sign_in_wrong {
    my $r = login($n, email => $VICTIM, password => 'not it', consent => 'none');
    return $r;
}
is(sign_in_wrong()->{status}, 429, 'the fourth failure: locked');

my $rt = $tokens[1]{refresh_token};
for (1 .. 2) {
    is(post_form($n, '/oauth/token', grant_type => 'refresh_token', refresh_token => $rt, @seam)->{status},
       200, 'a refresh');
}
is(post_form($n, '/oauth/token', grant_type => 'refresh_token', refresh_token => 'nope', @seam)->{json}{error},
   'invalid_grant', 'a refresh with an unknown token');

is(post_form($n, '/oauth/revoke', token => $tokens[2]{access_token}, @seam)->{status}, 200, 'a revocation');
is(post_form($n, '/oauth/revoke', token => $tokens[2]{access_token}, client_id => 'seam',
             client_secret => 'wrong')->{status}, 401, 'a revocation with a wrong secret');
is(post_form($n, '/oauth/introspect', token => $tokens[1]{access_token}, @seam)->{json}{active},
   JSON::PP::true, 'an active token introspected');
is(post_form($n, '/oauth/introspect', token => $tokens[2]{access_token}, @seam)->{json}{active},
   JSON::PP::false, 'a revoked one');

my $live = $tokens[1]{access_token};
my %bearer = (ok => 0, no_token => 0, invalid => 0, insufficient_scope => 0, malformed => 0);
sub bearer {
    my ($what, $status, @headers) = @_;
    my $r = http($n, 'GET', $what eq 'insufficient_scope' ? '/unlock' : '/intercoms', headers => \@headers);
    $bearer{$what}++;
    return $r->{status};
}
is(bearer(ok => 200, Authorization => "Bearer $live"), 200, 'bearer ok') for 1 .. 4;
is(bearer(no_token => 401), 401, 'no token') for 1 .. 2;
is(bearer(invalid => 401, Authorization => 'Bearer AAAAnotatoken'), 401, 'an unknown token');
is(bearer(invalid => 401, Authorization => "Bearer $tokens[2]{access_token}"), 401, 'a revoked token');
is(bearer(malformed => 400, Authorization => 'Bearer  two-spaces'), 400, 'a malformed header');
is(bearer(insufficient_scope => 403, Authorization => "Bearer $live"), 403, 'without the scope');

# both workers served: bearer checks until each has (they are counted)
sub workers_seen {
    my %pids = map { (split / /)[0] => 1 } grep { /\S/ } split /\n/,
        Test::Nginx::Seam::_slurp($n->prefix . '/logs/pids.log');
    return scalar keys %pids;
}
for (1 .. 200) {
    last if workers_seen() >= 2;
    bearer(ok => 200, Authorization => "Bearer $live");
}
is(workers_seen(), 2, 'both workers served this traffic');

# ---------------------------------------------------------------- the numbers

my %want = (
    'seam_oauth_sign_ins_total{result=ok}' => 4,
    'seam_oauth_sign_ins_total{result=wrong_credentials}' => 3,
    'seam_oauth_sign_ins_total{result=locked}' => 1,
    'seam_oauth_sign_ins_total{result=unavailable}' => 0,
    'seam_oauth_consents_total{decision=approved}' => 3,
    'seam_oauth_consents_total{decision=denied}' => 1,
    'seam_oauth_codes_issued_total' => 3,
    'seam_oauth_redemptions_total{result=ok}' => 3,
    'seam_oauth_redemptions_total{result=invalid_grant}' => 1,
    'seam_oauth_redemptions_total{result=replay}' => 1,
    'seam_oauth_redemptions_total{result=invalid_client}' => 1,
    'seam_oauth_redemptions_total{result=unavailable}' => 0,
    'seam_oauth_refreshes_total{result=ok}' => 2,
    'seam_oauth_refreshes_total{result=invalid_grant}' => 1,
    'seam_oauth_refreshes_total{result=replay}' => 0,
    'seam_oauth_revocations_total{result=ok}' => 1,
    'seam_oauth_revocations_total{result=invalid_client}' => 1,
    'seam_oauth_introspections_total{result=active}' => 1,
    'seam_oauth_introspections_total{result=inactive}' => 1,
    'seam_oauth_introspections_total{result=invalid_client}' => 0,
    (map { ("seam_oauth_bearer_checks_total{result=$_}" => $bearer{$_}) } keys %bearer),
    'seam_oauth_store_map_size_bytes' => 16 * 1024 * 1024,
    # jobs: every password POST (8) is a sign-in; commits: 3 approvals, 1
    # failed client authentication counted, 3 refreshes, 1 revocation,
    # and the 5 codes redeemed by group commit
    'seam_oauth_job_duration_seconds_count{job=sign_in}' => 8,
    'seam_oauth_job_duration_seconds_count{job=commit}' => 13,
    'seam_oauth_commit_batch_size_sum' => 5,
);

my ($m, $doc) = scrape($n);
like($doc->{content_type}, qr{^text/plain; version=0\.0\.4}, 'Prometheus\'s text format');
for my $k (sort keys %want) {
    is($m->{$k}, $want{$k}, $k);
}

# the gauges against the CLI's view of the store
my (undef, $stats) = cli($n, 'stats');
my %stat = map { /^(\w+)\s+(\d+)/ ? ($1 => $2) : () } split /\n/, $stats;
is($m->{seam_oauth_grants}, $stat{grants}, 'grants: as seam-oauth stats counts them');
is($m->{seam_oauth_access_tokens}, $stat{tokens}, 'access tokens: as stats counts them');
is($m->{seam_oauth_refresh_tokens}, $stat{refresh}, 'refresh tokens: as stats');
is($m->{seam_oauth_sessions}, $stat{sessions}, 'sessions: as stats');
ok($m->{seam_oauth_store_used_bytes} > 0 && $m->{seam_oauth_store_used_bytes} <= $stat{used},
   'store bytes used, at most what stats saw after');
my (undef, $grants) = cli($n, 'grant', 'list');
is($m->{seam_oauth_grants}, scalar(grep { /\S/ } split /\n/, $grants), 'grants: as many as grant list shows');

# histogram shape: cumulative buckets ending in +Inf == count
for my $job (qw(sign_in commit)) {
    my @le = grep { /^seam_oauth_job_duration_seconds_bucket\{job=$job,le=/ } keys %$m;
    is($m->{"seam_oauth_job_duration_seconds_bucket{job=$job,le=+Inf}"},
       $m->{"seam_oauth_job_duration_seconds_count{job=$job}"}, "$job: +Inf is the count");
    is(scalar @le, 14, "$job: 14 buckets");
    ok($m->{"seam_oauth_job_duration_seconds_sum{job=$job}"} > 0, "$job: a sum of seconds");
}
ok($m->{'seam_oauth_commit_batch_size_count'} >= 1
   && $m->{'seam_oauth_commit_batch_size_count'} <= 5, 'group commits: 1 to 5 for 5 redemptions');

# ---------------------------------------------------------------- a reload

ok($n->reload, 'reload');
my $code = obtain_code($n);
is(api_call($n, $live)->{status}, 200, 'a bearer check after the reload');
my ($after) = scrape($n);
is($after->{'seam_oauth_sign_ins_total{result=ok}'}, 5, 'after the reload: the sign-ins go on (4 + 1)');
is($after->{'seam_oauth_codes_issued_total'}, 4, 'codes: 3 + 1');
is($after->{'seam_oauth_bearer_checks_total{result=ok}'}, $bearer{ok} + 1, 'bearer checks: kept and counted');
is($after->{'seam_oauth_redemptions_total{result=ok}'}, 3, 'redemptions: kept');

# ---------------------------------------------------------------- the handler

is(http($n, 'POST', '/metrics', body => '')->{status}, 405, 'POST /metrics: 405');
is(http($n, 'HEAD', '/metrics')->{status}, 200, 'HEAD /metrics: 200');

# without a seam_oauth_metrics location nothing is counted (and the bearer
# check pays nothing): no zone, no handler
my $plain = start_nginx(http_config => http_config(), config => server_config(),
                        users => ["$OWNER $PASSWORD"]);
is(api_call($plain, obtain_token($plain))->{status}, 200, 'a server without metrics works');
unlike($plain->error_log, qr/seam_oauth_metrics/, 'and has no metrics zone');
$plain->stop;

$n->assert_clean_log('metrics');
$n->stop;
done_testing();
