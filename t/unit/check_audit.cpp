/*
 * audit.h: one JSON object a line, fields in a fixed order, empty ones
 * left out; what is audited and what is only counted; hostile bytes in
 * an id never break the line.
 */
#include "audit.h"
#include "helpers.h"
#include "suites.h"

#include <nlohmann/json.hpp>

using namespace seam;

namespace {

/* 2026-12-01T16:04:05.123Z */
constexpr uint64_t at = 1796141045123;

}  // namespace

START_TEST(times)
{
    ck_assert_std_eq(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
    ck_assert_std_eq(rfc3339_ms(at), "2026-12-01T16:04:05.123Z");
    ck_assert_std_eq(rfc3339_ms(at + 877), "2026-12-01T16:04:06.000Z");
}
END_TEST

START_TEST(lines)
{
    audit_context ctx;
    ctx.time_ms = at;
    ctx.remote_addr = "192.0.2.7";
    ctx.request_id = "0123456789abcdef0123456789abcdef";
    event e{event_kind::sign_in_ok, "seam", "cust-42", "",
            "intercoms:read"};
    ck_assert_std_eq(audit_line(e, ctx),
                     R"({"time":"2026-12-01T16:04:05.123Z","event":"sign_in",)"
                     R"("result":"ok","client_id":"seam","user_id":"cust-42",)"
                     R"("scope":"intercoms:read","remote_addr":"192.0.2.7",)"
                     R"("request_id":"0123456789abcdef0123456789abcdef",)"
                     R"("source":"nginx"})"
                     "\n");

    event replay{event_kind::code_replay, "seam", "u_1", "0a1b", ""};
    auto j = nlohmann::json::parse(audit_line(replay, ctx));
    ck_assert_std_eq(j["event"].get<std::string>(), "code_replay");
    ck_assert_std_eq(j["result"].get<std::string>(), "grant_revoked");
    ck_assert_std_eq(j["grant_id"].get<std::string>(), "0a1b");
    ck_assert(!j.contains("scope"));

    audit_context cli;
    cli.time_ms = at;
    cli.source = "cli";
    cli.operator_name = "alice";
    event added{event_kind::owner_added, "", "dc-1", "", ""};
    ck_assert_std_eq(audit_line(added, cli),
                     R"({"time":"2026-12-01T16:04:05.123Z",)"
                     R"("event":"owner_added","user_id":"dc-1",)"
                     R"("source":"cli","operator":"alice"})"
                     "\n");
}
END_TEST

START_TEST(counted_only)
{
    audit_context ctx;
    for (event_kind k : {event_kind::code_issued,
                         event_kind::redemption_failed,
                         event_kind::redemption_invalid_client,
                         event_kind::introspection_active,
                         event_kind::refresh_failed})
    {
        ck_assert(!audited(k));
        ck_assert_std_eq(audit_line({k, "seam", "", "", ""}, ctx), "");
    }
    for (event_kind k : {event_kind::sign_in_ok, event_kind::sign_in_failed,
                         event_kind::sign_in_locked,
                         event_kind::consent_approved,
                         event_kind::consent_denied,
                         event_kind::grant_created, event_kind::code_replay,
                         event_kind::refresh_ok, event_kind::refresh_replay,
                         event_kind::token_revoked, event_kind::grant_revoked,
                         event_kind::owner_disconnected,
                         event_kind::owner_added, event_kind::owner_removed,
                         event_kind::store_restored})
    {
        ck_assert(audited(k));
    }
}
END_TEST

START_TEST(hostile_ids)
{
    audit_context ctx;
    ctx.time_ms = at;
    /* a newline, a quote and bytes that are not UTF-8, in an id a device
     * cloud answered: one line still, valid JSON */
    event e{event_kind::sign_in_ok, "seam", "a\nb\"c\xff\xfe", "", ""};
    std::string line = audit_line(e, ctx);
    ck_assert_uint_eq(line.find('\n'), line.size() - 1);
    auto j = nlohmann::json::parse(line);
    ck_assert_std_eq(j["user_id"].get<std::string>().substr(0, 5),
                     "a\nb\"c");
}
END_TEST

Suite *
audit_suite()
{
    Suite *s = suite_create("audit");
    TCase *tc = tcase_create("audit");
    tcase_add_test(tc, times);
    tcase_add_test(tc, lines);
    tcase_add_test(tc, counted_only);
    tcase_add_test(tc, hostile_ids);
    suite_add_tcase(s, tc);
    return s;
}
