/*
 * metrics.h: what each event and bearer result counts under, the
 * histograms' buckets, and the exposition (Prometheus's text format
 * 0.0.4) byte for byte where it matters: names, labels, cumulative
 * buckets ending in +Inf, sums in seconds.
 */
#include "helpers.h"
#include "metrics.h"
#include "suites.h"

#include <memory>

using namespace seam;

namespace {

/* A zeroed block, as nginx's shared memory gives it. */
std::unique_ptr<metrics_block>
fresh()
{
    return std::make_unique<metrics_block>();
}

}  // namespace

START_TEST(bearer_outcomes)
{
    ck_assert(bearer_outcome_of(204, false, false) == bearer_outcome::ok);
    ck_assert(bearer_outcome_of(401, false, false)
              == bearer_outcome::no_token);
    ck_assert(bearer_outcome_of(401, true, false) == bearer_outcome::invalid);
    ck_assert(bearer_outcome_of(400, true, false)
              == bearer_outcome::malformed);
    ck_assert(bearer_outcome_of(403, true, true)
              == bearer_outcome::insufficient_scope);
}
END_TEST

START_TEST(counters)
{
    auto m = fresh();
    std::string empty = render_metrics(*m, {});
    ck_assert_contains(empty, "seam_oauth_sign_ins_total{result=\"ok\"} 0\n");
    ck_assert_contains(empty, "seam_oauth_codes_issued_total 0\n");

    count(*m, event_kind::sign_in_ok);
    count(*m, event_kind::sign_in_ok);
    count(*m, event_kind::sign_in_locked);
    count(*m, event_kind::code_replay);
    count(*m, event_kind::code_issued);
    count(*m, event_kind::introspection_inactive);
    count(*m, bearer_outcome::ok);
    count(*m, bearer_outcome::malformed);
    std::string out = render_metrics(*m, {});
    ck_assert_contains(out, "# HELP seam_oauth_sign_ins_total Sign-ins at "
                            "/authorize, by result.\n"
                            "# TYPE seam_oauth_sign_ins_total counter\n"
                            "seam_oauth_sign_ins_total{result=\"ok\"} 2\n"
                            "seam_oauth_sign_ins_total{result="
                            "\"wrong_credentials\"} 0\n"
                            "seam_oauth_sign_ins_total{result=\"locked\"} 1\n"
                            "seam_oauth_sign_ins_total{result="
                            "\"unavailable\"} 0\n");
    ck_assert_contains(out, "seam_oauth_redemptions_total{result=\"replay\"} "
                            "1\n");
    ck_assert_contains(out, "seam_oauth_codes_issued_total 1\n");
    ck_assert_contains(out, "seam_oauth_introspections_total{result="
                            "\"inactive\"} 1\n");
    ck_assert_contains(out, "seam_oauth_bearer_checks_total{result=\"ok\"} "
                            "1\n");
    ck_assert_contains(out, "seam_oauth_bearer_checks_total{result="
                            "\"malformed\"} 1\n");
    /* the CLI's events are the audit log's: no family of theirs */
    ck_assert_not_contains(out, "cli_");
    /* one HELP and one TYPE a family */
    size_t types = 0;
    for (size_t at = 0; (at = out.find("# TYPE ", at)) != std::string::npos;
         at++)
    {
        types++;
    }
    ck_assert_uint_eq(types, 7 + 1 + 7 + 2);
}
END_TEST

START_TEST(gauges)
{
    auto m = fresh();
    store_gauges g;
    g.grants = 3;
    g.access_tokens = 5;
    g.map_size = 1 << 30;
    std::string out = render_metrics(*m, g);
    ck_assert_contains(out, "# TYPE seam_oauth_grants gauge\n"
                            "seam_oauth_grants 3\n");
    ck_assert_contains(out, "seam_oauth_access_tokens 5\n");
    ck_assert_contains(out, "seam_oauth_store_map_size_bytes 1073741824\n");
}
END_TEST

START_TEST(histograms)
{
    auto m = fresh();
    observe_job(*m, job_kind::commit, 300);        /* 0.0003 s */
    observe_job(*m, job_kind::commit, 700);        /* 0.0007 s */
    observe_job(*m, job_kind::commit, 2500);       /* on a bound: in it */
    observe_job(*m, job_kind::sign_in, 9000000);   /* 9 s: +Inf only */
    observe_batch(*m, 1);
    observe_batch(*m, 16);
    observe_batch(*m, 1000);
    std::string out = render_metrics(*m, {});
    ck_assert_contains(out,
        "seam_oauth_job_duration_seconds_bucket{job=\"commit\",le=\"0.0005\"}"
        " 1\n"
        "seam_oauth_job_duration_seconds_bucket{job=\"commit\",le=\"0.001\"}"
        " 2\n"
        "seam_oauth_job_duration_seconds_bucket{job=\"commit\",le=\"0.0025\"}"
        " 3\n");
    ck_assert_contains(out,
        "seam_oauth_job_duration_seconds_bucket{job=\"commit\",le=\"+Inf\"}"
        " 3\n"
        "seam_oauth_job_duration_seconds_sum{job=\"commit\"} 0.0035\n"
        "seam_oauth_job_duration_seconds_count{job=\"commit\"} 3\n");
    ck_assert_contains(out,
        "seam_oauth_job_duration_seconds_bucket{job=\"sign_in\",le=\"5\"} 0\n"
        "seam_oauth_job_duration_seconds_bucket{job=\"sign_in\",le=\"+Inf\"}"
        " 1\n"
        "seam_oauth_job_duration_seconds_sum{job=\"sign_in\"} 9\n");
    ck_assert_contains(out,
        "seam_oauth_commit_batch_size_bucket{le=\"1\"} 1\n");
    ck_assert_contains(out,
        "seam_oauth_commit_batch_size_bucket{le=\"16\"} 2\n");
    ck_assert_contains(out,
        "seam_oauth_commit_batch_size_bucket{le=\"256\"} 2\n"
        "seam_oauth_commit_batch_size_bucket{le=\"+Inf\"} 3\n"
        "seam_oauth_commit_batch_size_sum 1017\n"
        "seam_oauth_commit_batch_size_count 3\n");
}
END_TEST

Suite *
metrics_suite()
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("metrics");
    tcase_add_test(tc, bearer_outcomes);
    tcase_add_test(tc, counters);
    tcase_add_test(tc, gauges);
    tcase_add_test(tc, histograms);
    suite_add_tcase(s, tc);
    return s;
}
