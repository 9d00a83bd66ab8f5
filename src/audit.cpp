#include "audit.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>

namespace seam {

namespace {

/* An event's name and result in the log; name nullptr: not audited. */
struct audit_name {
    const char *event;
    const char *result;
};

/* Indexed by event_kind. */
constexpr audit_name names[event_kind_count] = {
    {"sign_in", "ok"},
    {"sign_in", "failed"},
    {"sign_in", "locked"},
    {"sign_in", "unavailable"},
    {"consent", "approved"},
    {"consent", "denied"},
    {nullptr, nullptr},                /* code_issued: counted only */
    {"grant_created", nullptr},
    {nullptr, nullptr},                /* redemption_failed */
    {"code_replay", "grant_revoked"},
    {nullptr, nullptr},                /* redemption_invalid_client */
    {nullptr, nullptr},                /* redemption_unavailable */
    {"refresh", "ok"},
    {nullptr, nullptr},                /* refresh_failed */
    {"refresh_replay", "grant_revoked"},
    {nullptr, nullptr},                /* refresh_unavailable */
    {"token_revoked", nullptr},
    {nullptr, nullptr},                /* revocation_invalid_client */
    {nullptr, nullptr},                /* introspection_active */
    {nullptr, nullptr},                /* introspection_inactive */
    {nullptr, nullptr},                /* introspection_invalid_client */
    {"grant_revoked", nullptr},
    {"owner_disconnected", nullptr},
    {"owner_added", nullptr},
    {"owner_removed", nullptr},
    {"store_restored", nullptr},
};

}  // namespace

bool
audited(event_kind kind)
{
    return names[static_cast<size_t>(kind)].event != nullptr;
}

std::string
rfc3339_ms(uint64_t time_ms)
{
    time_t secs = static_cast<time_t>(time_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
                  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                  tm.tm_min, tm.tm_sec,
                  static_cast<unsigned>(time_ms % 1000));
    return buf;
}

std::string
audit_line(const event &e, const audit_context &ctx)
{
    const audit_name &n = names[static_cast<size_t>(e.kind)];
    if (n.event == nullptr) {
        return "";
    }
    using json = nlohmann::ordered_json;
    json line = {{"time", rfc3339_ms(ctx.time_ms)}, {"event", n.event}};
    if (n.result) {
        line["result"] = n.result;
    }
    auto field = [&line](const char *name, std::string_view value) {
        if (!value.empty()) {
            line[name] = std::string(value);
        }
    };
    field("client_id", e.client_id);
    field("user_id", e.user_id);
    field("grant_id", e.grant_id);
    field("scope", e.scope);
    field("remote_addr", ctx.remote_addr);
    field("request_id", ctx.request_id);
    field("source", ctx.source);
    field("operator", ctx.operator_name);
    /* ids come from clients and device clouds: never let a byte that is
     * not UTF-8 stop the line, nor a newline split it (JSON escapes it) */
    return line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace seam
