/*
 * The metrics (seam_oauth_metrics): counters of what happened (events.h,
 * and the bearer checks' results), histograms of the thread pools' job
 * latency and of the group commit's batch size, kept in one block that
 * nginx puts in shared memory, so that every worker adds to the same
 * numbers and a reload keeps them. Updated with relaxed atomic adds, no
 * lock: a bearer check pays one add. Rendered in Prometheus's text
 * format (version 0.0.4), with gauges of the store read at scrape time.
 */
#pragma once

#include "events.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace seam {

/* What a bearer check answered (bearer.h's bearer_result, by status). */
enum class bearer_outcome : uint8_t {
    ok, no_token, invalid, insufficient_scope, malformed,
};
constexpr size_t bearer_outcome_count = 5;

bearer_outcome bearer_outcome_of(int status, bool has_error,
                                 bool insufficient_scope);

/* The buckets of a histogram: upper bounds, then +Inf. */
constexpr size_t latency_bucket_count = 14;   /* 13 bounds, and +Inf */
constexpr size_t batch_bucket_count = 10;     /* 9 bounds, and +Inf */

template <size_t N>
struct histogram {
    std::atomic<uint64_t> buckets[N];          /* not cumulative */
    std::atomic<uint64_t> count;
    std::atomic<uint64_t> sum;                 /* microseconds, or items */
};

/* The jobs that are timed: durable commits in the store's thread pool
 * (redemptions waiting for a group commit among them), and sign-ins
 * (argon2id in the hash pool, or the login check's two commits). */
enum class job_kind : uint8_t { commit, sign_in };
constexpr size_t job_kind_count = 2;

/* The shared block: zero is its initial state (nginx's shared memory
 * starts zeroed), so no constructor runs there. */
struct metrics_block {
    std::atomic<uint64_t> events[event_kind_count];
    std::atomic<uint64_t> bearer[bearer_outcome_count];
    histogram<latency_bucket_count> job_latency[job_kind_count];
    histogram<batch_bucket_count> batch_size;
};

static_assert(std::atomic<uint64_t>::is_always_lock_free,
              "counters in shared memory must be lock-free");

void count(metrics_block &m, event_kind kind);
void count(metrics_block &m, bearer_outcome outcome);
/* A job's time from its posting to its answer. */
void observe_job(metrics_block &m, job_kind job, uint64_t microseconds);
/* How many redemptions one commit answered. */
void observe_batch(metrics_block &m, uint64_t redemptions);

/* What the store holds, read when the metrics are asked for. */
struct store_gauges {
    uint64_t grants = 0;
    uint64_t access_tokens = 0;
    uint64_t refresh_tokens = 0;
    uint64_t codes = 0;
    uint64_t sessions = 0;
    uint64_t used_bytes = 0;
    uint64_t map_size = 0;
};

/* The exposition: text/plain; version=0.0.4. */
std::string render_metrics(const metrics_block &m, const store_gauges &g);

constexpr std::string_view metrics_content_type =
    "text/plain; version=0.0.4; charset=utf-8";

}  // namespace seam
