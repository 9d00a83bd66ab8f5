/*
 * oauth_error.h: each error's wire name and HTTP status.
 */
#include "helpers.h"
#include "oauth_error.h"
#include "suites.h"

using namespace seam;

namespace {

struct row {
    oauth_error error;
    const char *name;
    int status;
};

const row errors[] = {
    {oauth_error::none, "", 200},
    {oauth_error::invalid_request, "invalid_request", 400},
    {oauth_error::invalid_client, "invalid_client", 401},
    {oauth_error::invalid_grant, "invalid_grant", 400},
    {oauth_error::unauthorized_client, "unauthorized_client", 400},
    {oauth_error::unsupported_grant_type, "unsupported_grant_type", 400},
    {oauth_error::unsupported_response_type, "unsupported_response_type",
     400},
    {oauth_error::invalid_scope, "invalid_scope", 400},
    {oauth_error::access_denied, "access_denied", 403},
    {oauth_error::server_error, "server_error", 500},
    {oauth_error::temporarily_unavailable, "temporarily_unavailable", 503},
    {oauth_error::invalid_token, "invalid_token", 401},
    {oauth_error::insufficient_scope, "insufficient_scope", 403},
};

}  // namespace

START_TEST(wire_names)
{
    for (const row &r : errors) {
        ck_assert_std_eq(wire_name(r.error), r.name);
    }
}
END_TEST

START_TEST(statuses)
{
    for (const row &r : errors) {
        ck_assert_msg(http_status(r.error) == r.status,
                      "%s: status %d, expected %d", r.name,
                      http_status(r.error), r.status);
    }
}
END_TEST

START_TEST(every_value_covered)
{
    /* the table above has every enumerator, in order */
    ck_assert_uint_eq(sizeof errors / sizeof errors[0],
                      static_cast<size_t>(oauth_error::insufficient_scope)
                          + 1);
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        ck_assert_uint_eq(static_cast<size_t>(errors[i].error), i);
    }
}
END_TEST

START_TEST(names_printable)
{
    /* RFC 6749 §5.2: error codes are %x20-21 / %x23-5B / %x5D-7E */
    for (const row &r : errors) {
        for (char c : wire_name(r.error)) {
            ck_assert_msg(c >= 0x20 && c <= 0x7e && c != '"' && c != '\\',
                          "bad byte in %s", r.name);
        }
    }
}
END_TEST

Suite *
oauth_error_suite()
{
    Suite *s = suite_create("oauth_error");
    TCase *tc = tcase_create("errors");
    tcase_add_test(tc, wire_names);
    tcase_add_test(tc, statuses);
    tcase_add_test(tc, every_value_covered);
    tcase_add_test(tc, names_printable);
    suite_add_tcase(s, tc);
    return s;
}
