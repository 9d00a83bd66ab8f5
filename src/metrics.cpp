#include "metrics.h"

#include <cstdio>

namespace seam {

namespace {

/* A counter family and the label value an event kind counts under. */
struct series {
    const char *family;
    const char *label;             /* "" for a family without labels */
};

/* Indexed by event_kind. */
constexpr series event_series[event_kind_count] = {
    {"sign_ins", "ok"},
    {"sign_ins", "wrong_credentials"},
    {"sign_ins", "locked"},
    {"sign_ins", "unavailable"},
    {"consents", "approved"},
    {"consents", "denied"},
    {"codes_issued", ""},
    {"redemptions", "ok"},
    {"redemptions", "invalid_grant"},
    {"redemptions", "replay"},
    {"redemptions", "invalid_client"},
    {"redemptions", "unavailable"},
    {"refreshes", "ok"},
    {"refreshes", "invalid_grant"},
    {"refreshes", "replay"},
    {"refreshes", "unavailable"},
    {"revocations", "ok"},
    {"revocations", "invalid_client"},
    {"introspections", "active"},
    {"introspections", "inactive"},
    {"introspections", "invalid_client"},
    {"cli_grants_revoked", ""},
    {"cli_owners_disconnected", ""},
    {"cli_owners_added", ""},
    {"cli_owners_removed", ""},
    {"cli_stores_restored", ""},
};

/* The families, in the order they are written, with their label's name
 * and help text. The CLI's events are counted by no nginx worker: they
 * are the audit log's, not the metrics'. */
struct family {
    const char *name;
    const char *label_name;
    const char *help;
};

constexpr family families[] = {
    {"sign_ins", "result", "Sign-ins at /authorize, by result."},
    {"consents", "decision", "Answers to the consent page."},
    {"codes_issued", "", "Authorization codes issued."},
    {"redemptions", "result",
     "Authorization codes presented at the token endpoint, by result "
     "(replay: a used code, whose grant was revoked)."},
    {"refreshes", "result",
     "Refresh token grants, by result (replay: a replaced refresh token, "
     "whose grant was revoked)."},
    {"revocations", "result", "Token revocation requests (RFC 7009)."},
    {"introspections", "result", "Token introspection requests (RFC 7662)."},
};

constexpr const char *bearer_labels[bearer_outcome_count] = {
    "ok", "no_token", "invalid", "insufficient_scope", "malformed",
};

/* Upper bounds, in microseconds. */
constexpr uint64_t latency_bounds[latency_bucket_count - 1] = {
    500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
    1000000, 2500000, 5000000,
};

constexpr uint64_t batch_bounds[batch_bucket_count - 1] = {
    1, 2, 4, 8, 16, 32, 64, 128, 256,
};

constexpr const char *job_labels[job_kind_count] = {"commit", "sign_in"};

constexpr auto relaxed = std::memory_order_relaxed;

template <size_t N>
void
observe(histogram<N> &h, const uint64_t (&bounds)[N - 1], uint64_t value)
{
    size_t i = 0;
    while (i < N - 1 && value > bounds[i]) {
        i++;
    }
    h.buckets[i].fetch_add(1, relaxed);
    h.count.fetch_add(1, relaxed);
    h.sum.fetch_add(value, relaxed);
}

void
head(std::string &out, const std::string &name, const char *type,
     const char *help)
{
    out += "# HELP " + name + " " + help + "\n";
    out += "# TYPE " + name + " " + type + "\n";
}

void
sample(std::string &out, const std::string &name, std::string_view labels,
       uint64_t value)
{
    out += name;
    if (!labels.empty()) {
        out += "{";
        out += labels;
        out += "}";
    }
    out += " " + std::to_string(value) + "\n";
}

/* A value in seconds from microseconds, exactly and as short as it
 * goes: 1234567 is 1.234567, 500 is 0.0005, 5000000 is 5. */
std::string
seconds(uint64_t microseconds)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%llu.%06llu",
                  static_cast<unsigned long long>(microseconds / 1000000),
                  static_cast<unsigned long long>(microseconds % 1000000));
    std::string out(buf);
    out.erase(out.find_last_not_of('0') + 1);
    if (out.back() == '.') {
        out.pop_back();
    }
    return out;
}

template <size_t N>
void
render_histogram(std::string &out, const std::string &name,
                 std::string labels, const histogram<N> &h,
                 const uint64_t (&bounds)[N - 1], bool in_seconds)
{
    if (!labels.empty()) {
        labels += ",";
    }
    uint64_t cumulative = 0;
    for (size_t i = 0; i < N; i++) {
        cumulative += h.buckets[i].load(relaxed);
        std::string le = i == N - 1 ? "+Inf"
                         : in_seconds ? seconds(bounds[i])
                         : std::to_string(bounds[i]);
        sample(out, name + "_bucket", labels + "le=\"" + le + "\"",
               cumulative);
    }
    std::string bare = labels.empty() ? "" : labels.substr(0,
                                                           labels.size() - 1);
    uint64_t sum = h.sum.load(relaxed);
    out += name + "_sum" + (bare.empty() ? "" : "{" + bare + "}") + " "
           + (in_seconds ? seconds(sum) : std::to_string(sum)) + "\n";
    sample(out, name + "_count", bare, h.count.load(relaxed));
}

}  // namespace

bearer_outcome
bearer_outcome_of(int status, bool has_error, bool insufficient_scope)
{
    if (status == 204 || status == 200) {
        return bearer_outcome::ok;
    }
    if (status == 400) {
        return bearer_outcome::malformed;
    }
    if (insufficient_scope || status == 403) {
        return bearer_outcome::insufficient_scope;
    }
    return has_error ? bearer_outcome::invalid : bearer_outcome::no_token;
}

void
count(metrics_block &m, event_kind kind)
{
    m.events[static_cast<size_t>(kind)].fetch_add(1, relaxed);
}

void
count(metrics_block &m, bearer_outcome outcome)
{
    m.bearer[static_cast<size_t>(outcome)].fetch_add(1, relaxed);
}

void
observe_job(metrics_block &m, job_kind job, uint64_t microseconds)
{
    observe(m.job_latency[static_cast<size_t>(job)], latency_bounds,
            microseconds);
}

void
observe_batch(metrics_block &m, uint64_t redemptions)
{
    observe(m.batch_size, batch_bounds, redemptions);
}

std::string
render_metrics(const metrics_block &m, const store_gauges &g)
{
    std::string out;
    out.reserve(8192);

    for (const family &f : families) {
        std::string name = std::string("seam_oauth_") + f.name + "_total";
        head(out, name, "counter", f.help);
        for (size_t i = 0; i < event_kind_count; i++) {
            if (std::string_view(event_series[i].family) != f.name) {
                continue;
            }
            std::string labels;
            if (*f.label_name) {
                labels = std::string(f.label_name) + "=\""
                         + event_series[i].label + "\"";
            }
            sample(out, name, labels, m.events[i].load(relaxed));
        }
    }

    head(out, "seam_oauth_bearer_checks_total", "counter",
         "Bearer checks (auth_request and the access phase), by result.");
    for (size_t i = 0; i < bearer_outcome_count; i++) {
        sample(out, "seam_oauth_bearer_checks_total",
               std::string("result=\"") + bearer_labels[i] + "\"",
               m.bearer[i].load(relaxed));
    }

    struct gauge {
        const char *name;
        const char *help;
        uint64_t value;
    };
    const gauge gauges[] = {
        {"seam_oauth_grants", "Grants in the store (expired ones until the "
                              "next sweep).", g.grants},
        {"seam_oauth_access_tokens", "Access tokens in the store (expired "
                                     "ones until the next sweep).",
         g.access_tokens},
        {"seam_oauth_refresh_tokens", "Refresh tokens in the store (expired "
                                      "ones until the next sweep).",
         g.refresh_tokens},
        {"seam_oauth_codes", "Authorization codes and the tombstones of "
                             "redeemed ones in the store.", g.codes},
        {"seam_oauth_sessions", "Sign-in sessions in the store.",
         g.sessions},
        {"seam_oauth_store_used_bytes", "The store's data file up to its "
                                        "last page.", g.used_bytes},
        {"seam_oauth_store_map_size_bytes", "The largest the store may grow "
                                            "(map_size).", g.map_size},
    };
    for (const gauge &x : gauges) {
        head(out, x.name, "gauge", x.help);
        sample(out, x.name, "", x.value);
    }

    head(out, "seam_oauth_job_duration_seconds", "histogram",
         "Work off the event loop, from its posting to its answer: durable "
         "commits (redemptions waiting for a group commit among them) and "
         "sign-ins.");
    for (size_t i = 0; i < job_kind_count; i++) {
        render_histogram(out, "seam_oauth_job_duration_seconds",
                         std::string("job=\"") + job_labels[i] + "\"",
                         m.job_latency[i], latency_bounds, true);
    }
    head(out, "seam_oauth_commit_batch_size", "histogram",
         "Redemptions answered by one group commit.");
    render_histogram(out, "seam_oauth_commit_batch_size", "", m.batch_size,
                     batch_bounds, false);
    return out;
}

}  // namespace seam
