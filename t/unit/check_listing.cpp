/*
 * listing.h: the grants the CLI lists, by owner (its e-mail or its
 * user_id) and by client, as the tab-separated lines of before and as
 * JSON.
 */
#include "helpers.h"
#include "crypto.h"
#include "listing.h"
#include "suites.h"
#include "users.h"

#include <nlohmann/json.hpp>

#include <set>
#include <string>

using namespace seam;

namespace {

std::set<std::string>
ids(const std::vector<grant_row> &rows)
{
    std::set<std::string> out;
    for (const grant_row &r : rows) {
        out.insert(r.info.grant_id);
    }
    return out;
}

std::string
hex_grant(const redemption &r)
{
    return hex_encode(r.token.grant_id);
}

}  // namespace

START_TEST(time_format)
{
    ck_assert_std_eq(format_time(0), "1970-01-01T00:00:00Z");
    ck_assert_std_eq(format_time(1700000000), "2023-11-14T22:13:20Z");
}
END_TEST

START_TEST(filters)
{
    temp_store ts;
    store &s = ts.get();
    std::string alice, bob;
    ck_assert(add_user(s, "alice@example.com", "h", 1, &alice)
              == user_change::done);
    ck_assert(add_user(s, "bob@example.com", "h", 1, &bob)
              == user_change::done);
    uint64_t now = static_cast<uint64_t>(time(nullptr));
    std::string a_seam = hex_grant(redeem_fresh_code(s, alice, "devices",
                                                     now, now, 0));
    std::string a_c1 = hex_grant(redeem_fresh_code(s, alice, "", now, now, 0,
                                                   "c1"));
    std::string b_seam = hex_grant(redeem_fresh_code(s, bob, "", now, now, 0));
    /* an owner the store has no account of (a device cloud's) */
    std::string c_seam = hex_grant(redeem_fresh_code(s, "cust-1001", "", now,
                                                     now, 0));

    auto all = grant_rows(s, now, {});
    ck_assert(ids(all) == (std::set<std::string>{a_seam, a_c1, b_seam,
                                                 c_seam}));
    ck_assert(ids(grant_rows(s, now, {"alice@example.com", ""}))
              == (std::set<std::string>{a_seam, a_c1}));
    /* e-mails are compared in lower case, as accounts are kept */
    ck_assert(ids(grant_rows(s, now, {"Alice@Example.com", ""}))
              == (std::set<std::string>{a_seam, a_c1}));
    ck_assert(ids(grant_rows(s, now, {alice, ""}))
              == (std::set<std::string>{a_seam, a_c1}));
    ck_assert(ids(grant_rows(s, now, {"cust-1001", ""}))
              == std::set<std::string>{c_seam});
    ck_assert(ids(grant_rows(s, now, {"", "c1"}))
              == std::set<std::string>{a_c1});
    ck_assert(ids(grant_rows(s, now, {"", "seam"}))
              == (std::set<std::string>{a_seam, b_seam, c_seam}));
    ck_assert(ids(grant_rows(s, now, {"alice@example.com", "seam"}))
              == std::set<std::string>{a_seam});
    ck_assert(grant_rows(s, now, {"bob@example.com", "c1"}).empty());
    ck_assert(grant_rows(s, now, {"nobody@example.com", ""}).empty());
    ck_assert(grant_rows(s, now, {"", "c9"}).empty());

    for (const grant_row &r : all) {
        const std::string expect_email =
            r.info.grant_id == c_seam   ? ""
            : r.info.grant.user_id == bob ? "bob@example.com"
                                          : "alice@example.com";
        ck_assert_std_eq(r.email, expect_email);
    }
}
END_TEST

START_TEST(line_and_json)
{
    grant_row r;
    r.info.grant_id = "0193ab";
    r.info.grant.client_id = "seam";
    r.info.grant.user_id = "u_1";
    r.info.grant.scope = "intercoms:read intercoms:unlock";
    r.info.grant.created_at = 1700000000;
    r.info.live_tokens = 2;
    r.email = "a@example.com";
    grant_row none = r;
    none.info.grant_id = "0193ac";
    none.email = "";
    none.info.grant.scope = "";
    none.info.grant.user_id = "cust-1001";

    ck_assert_std_eq(grant_line(r),
                     "0193ab\tseam\ta@example.com\tu_1\t"
                     "intercoms:read intercoms:unlock\t"
                     "2023-11-14T22:13:20Z\t2 live token(s)");
    ck_assert_std_eq(grant_line(none),
                     "0193ac\tseam\t-\tcust-1001\t-\t"
                     "2023-11-14T22:13:20Z\t2 live token(s)");

    auto j = nlohmann::json::parse(grants_json({r, none}));
    ck_assert(j.is_array());
    ck_assert_int_eq(j.size(), 2);
    ck_assert_std_eq(j[0]["grant_id"].get<std::string>(), "0193ab");
    ck_assert_std_eq(j[0]["client_id"].get<std::string>(), "seam");
    ck_assert_std_eq(j[0]["email"].get<std::string>(), "a@example.com");
    ck_assert_std_eq(j[0]["user_id"].get<std::string>(), "u_1");
    ck_assert_std_eq(j[0]["scope"].get<std::string>(),
                     "intercoms:read intercoms:unlock");
    ck_assert_std_eq(j[0]["created_at"].get<std::string>(),
                     "2023-11-14T22:13:20Z");
    ck_assert_int_eq(j[0]["live_tokens"].get<int>(), 2);
    ck_assert_int_eq(j[0].size(), 7);
    ck_assert(j[1]["email"].is_null());
    ck_assert_std_eq(j[1]["scope"].get<std::string>(), "");
    ck_assert_std_eq(grants_json({}), "[]");

    /* an id that is not UTF-8 does not break the document */
    none.info.grant.user_id = "id\xff";
    auto k = nlohmann::json::parse(grants_json({none}));
    ck_assert_std_eq(k[0]["user_id"].get<std::string>(), "id\xef\xbf\xbd");
}
END_TEST

Suite *
listing_suite()
{
    Suite *s = suite_create("listing");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, time_format);
    tcase_add_test(tc, filters);
    tcase_add_test(tc, line_and_json);
    suite_add_tcase(s, tc);
    return s;
}
