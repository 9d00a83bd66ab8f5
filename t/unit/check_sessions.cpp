/*
 * sessions.h: sign-in sessions created and found again, and expired.
 */
#include "grant_fixtures.h"
#include "bearer.h"
#include "crypto.h"
#include "secrets.h"
#include "sweep.h"
#include "suites.h"

using namespace seam;

START_TEST(session_round_trip)
{
    temp_store ts;
    store &s = ts.get();
    auto cookie = create_session(s, {1300, "u_1", "owner@example.com", 1000});
    ck_assert(cookie.has_value());
    ck_assert_uint_eq(cookie->size(), 51);
    ck_assert(base64url_decode(*cookie).has_value());
    /* stored under its hash */
    {
        txn t = s.begin_read();
        ck_assert(!t.get(table::sessions, *cookie));
        ck_assert(t.get(table::sessions, key_of(*cookie).str()).has_value());
    }

    auto found = find_session(s, *cookie, 1000);
    ck_assert(found.has_value());
    ck_assert(found->expires_at == 1300);
    ck_assert_std_eq(found->user_id, "u_1");
    ck_assert_std_eq(found->email, "owner@example.com");
    ck_assert(found->auth_time == 1000);
    /* expiry by `now` */
    ck_assert(find_session(s, *cookie, 1299).has_value());
    ck_assert(!find_session(s, *cookie, 1300));
    ck_assert(!find_session(s, *cookie, 100000));

    /* unknown cookies */
    ck_assert(!find_session(s, "nope", 1000));
    ck_assert(!find_session(s, "", 1000));
    ck_assert(!find_session(s, cookie->substr(0, 42), 1000));
    ck_assert(!find_session(s, key_of(*cookie).str(), 1000));

    /* a second session: another cookie, its own owner */
    auto other = create_session(s, {1300, "u_2", "b@example.com", 1001});
    ck_assert(other.has_value());
    ck_assert_std_ne(*other, *cookie);
    ck_assert_std_eq(find_session(s, *other, 1000)->user_id, "u_2");
    ck_assert_std_eq(find_session(s, *cookie, 1000)->user_id, "u_1");
    /* a session cookie is no access token */
    ck_assert(!find_access_token(s, *cookie, 1000));
}
END_TEST

/* ---- sweep of refresh tokens and sessions ----------------------------- */

Suite *
sessions_suite()
{
    Suite *s = suite_create("sessions");
    TCase *tc = tcase_create("sessions");
    tcase_add_test(tc, session_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
