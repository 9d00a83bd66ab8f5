/*
 * sweep.h: expired codes, tombstones, tokens, sessions and grants swept,
 * in small batches, after replays and rotations.
 */
#include "grant_fixtures.h"
#include "bearer.h"
#include "crypto.h"
#include "secrets.h"
#include "sweep.h"
#include "suites.h"

using namespace seam;

START_TEST(sweep)
{
    temp_store ts;
    store &s = ts.get();
    /* a code that expires at 1060, unredeemed */
    issue(s, make_code(), 1000, 60);
    /* a code that lives to 5000 */
    std::string live_code = issue(s, make_code(), 1000, 4000);
    /* a redeemed code: a tombstone until 1060, a token until 1010+100 */
    redemption_request req = make_request(issue(s, make_code(), 1000, 60));
    req.access_token_ttl = 100;
    redemption short_lived = redeem_ok(s, req);
    /* a token that lives to 1010+10000 */
    req = make_request(issue(s, make_code(), 1000, 60));
    req.access_token_ttl = 10000;
    redemption long_lived = redeem_ok(s, req);

    ck_assert_uint_eq(entries(s, table::codes), 4);
    ck_assert_uint_eq(entries(s, table::tokens), 2);
    ck_assert_uint_eq(entries(s, table::grants), 2);

    /* nothing is due yet */
    sweep_counts c = sweep_expired(s, 1050);
    ck_assert_uint_eq(c.codes, 0);
    ck_assert_uint_eq(c.tokens, 0);
    ck_assert_uint_eq(c.grants, 0);

    /* the two short codes and the two tombstones */
    c = sweep_expired(s, 1060);
    ck_assert_uint_eq(c.codes, 3);
    ck_assert_uint_eq(c.tokens, 0);
    ck_assert_uint_eq(c.grants, 0);
    ck_assert_uint_eq(entries(s, table::codes), 1);

    /* the short token and its grant */
    c = sweep_expired(s, 1110);
    ck_assert_uint_eq(c.codes, 0);
    ck_assert_uint_eq(c.tokens, 1);
    ck_assert_uint_eq(c.grants, 1);
    ck_assert(!find_access_token(s, short_lived.access_token, 1000));
    ck_assert(find_access_token(s, long_lived.access_token, 1110)
                  .has_value());
    ck_assert_uint_eq(entries(s, table::tokens), 1);
    ck_assert_uint_eq(entries(s, table::grants), 1);

    /* the live code is still redeemable */
    redeem_ok(s, make_request(live_code, 1200));
}
END_TEST

START_TEST(sweep_in_small_batches)
{
    temp_store ts;
    store &s = ts.get();
    for (int i = 0; i < 20; i++) {
        issue(s, make_code(), 1000, i < 15 ? 10 : 1000);
    }
    sweep_counts c = sweep_expired(s, 1010, 2);
    ck_assert_uint_eq(c.codes, 15);
    ck_assert_uint_eq(entries(s, table::codes), 5);
    c = sweep_expired(s, 2000, 1);
    ck_assert_uint_eq(c.codes, 5);
    ck_assert_uint_eq(entries(s, table::codes), 0);
}
END_TEST

START_TEST(sweep_after_replay)
{
    temp_store ts;
    store &s = ts.get();
    std::string code = issue(s, make_code(), 1000, 60);
    redeem_ok(s, make_request(code));
    redeem_code(s, make_request(code, 1020));     /* replay: revoked */
    ck_assert_uint_eq(entries(s, table::tokens), 0);
    ck_assert_uint_eq(entries(s, table::grants), 0);
    /* the tombstone stays until the code would have expired, so that the
     * code stays refused */
    ck_assert_uint_eq(sweep_expired(s, 1059).codes, 0);
    ck_assert(redeem_code(s, make_request(code, 1059)).error
              == oauth_error::invalid_grant);
    ck_assert_uint_eq(sweep_expired(s, 1060).codes, 1);
}
END_TEST

/* ---- refresh tokens (RFC 6749 §6) ------------------------------------ */

START_TEST(sweep_refresh_keeps_grant)
{
    temp_store ts;
    store &s = ts.get();
    /* an access token until 1110, a refresh token until 2010 */
    redemption_request req = make_request(issue(s));
    req.access_token_ttl = 100;
    req.refresh_token_ttl = 1000;
    redemption r = redeem_ok(s, req);

    sweep_counts n = sweep_expired(s, 1109);
    ck_assert_uint_eq(n.tokens, 0);
    ck_assert_uint_eq(n.grants, 0);

    n = sweep_expired(s, 1110);
    ck_assert_uint_eq(n.tokens, 1);        /* the access token */
    ck_assert_uint_eq(n.grants, 0);        /* the refresh token keeps it */
    ck_assert_uint_eq(n.sessions, 0);
    ck_assert_uint_eq(entries(s, table::tokens), 0);
    ck_assert_uint_eq(entries(s, table::refresh), 1);
    ck_assert_uint_eq(entries(s, table::grants), 1);

    /* so a refresh works: an access token until 1300, the refresh token
     * now until 2200 */
    refresh_request rr = make_refresh(r.refresh_token, 1200);
    rr.access_token_ttl = 100;
    rr.refresh_token_ttl = 1000;
    refresh_ok(s, rr);

    /* its first expiry passes: the restarted lifetime counts */
    n = sweep_expired(s, 2010);
    ck_assert_uint_eq(n.tokens, 1);        /* the access token of 1200 */
    ck_assert_uint_eq(n.grants, 0);
    ck_assert_uint_eq(entries(s, table::refresh), 1);
    ck_assert_uint_eq(entries(s, table::grants), 1);

    /* unused to its end: the refresh token, then the grant */
    n = sweep_expired(s, 2200);
    ck_assert_uint_eq(n.tokens, 1);
    ck_assert_uint_eq(n.grants, 1);
    ck_assert_uint_eq(entries(s, table::refresh), 0);
    ck_assert_uint_eq(entries(s, table::grants), 0);
    ck_assert_uint_eq(list_grants(s, 0).size(), 0);
    /* deleted, not just expired: refused even at an earlier time */
    rr.now = 2100;
    refresh_fails(s, rr);
}
END_TEST

START_TEST(sweep_rotated)
{
    temp_store ts;
    store &s = ts.get();
    redemption first = redeem_with_refresh(s);     /* refresh to 87410 */
    redemption next = refresh_ok(s, make_refresh(first.refresh_token, 2000,
                                                 true)); /* to 88400 */
    /* the replaced refresh token stays until it expires, to detect reuse */
    sweep_counts n = sweep_expired(s, 87409);
    ck_assert_uint_eq(n.tokens, 2);        /* both access tokens */
    ck_assert_uint_eq(entries(s, table::refresh), 2);
    n = sweep_expired(s, 87410);
    ck_assert_uint_eq(n.tokens, 1);
    ck_assert_uint_eq(n.grants, 0);
    ck_assert_uint_eq(entries(s, table::refresh), 1);
    ck_assert(!refresh_record(s, first.refresh_token));
    ck_assert(refresh_record(s, next.refresh_token).has_value());
    n = sweep_expired(s, 88400);
    ck_assert_uint_eq(n.tokens, 1);
    ck_assert_uint_eq(n.grants, 1);
    ck_assert_uint_eq(entries(s, table::refresh), 0);
}
END_TEST

START_TEST(sweep_sessions)
{
    temp_store ts;
    store &s = ts.get();
    auto a = create_session(s, {1100, "u_1", "a@example.com", 1000});
    auto b = create_session(s, {1200, "u_2", "b@example.com", 1000});
    ck_assert(a.has_value());
    ck_assert(b.has_value());
    ck_assert_uint_eq(entries(s, table::sessions), 2);

    sweep_counts n = sweep_expired(s, 1099);
    ck_assert_uint_eq(n.sessions, 0);
    n = sweep_expired(s, 1100);
    ck_assert_uint_eq(n.sessions, 1);
    ck_assert_uint_eq(n.codes, 0);
    ck_assert_uint_eq(n.tokens, 0);
    ck_assert_uint_eq(n.grants, 0);
    ck_assert_uint_eq(entries(s, table::sessions), 1);
    ck_assert(!find_session(s, *a, 1000));     /* deleted */
    ck_assert(find_session(s, *b, 1150).has_value());

    n = sweep_expired(s, 1200, 1);
    ck_assert_uint_eq(n.sessions, 1);
    ck_assert_uint_eq(entries(s, table::sessions), 0);
}
END_TEST

Suite *
sweep_suite()
{
    Suite *s = suite_create("sweep");
    TCase *tc = tcase_create("sweep");
    tcase_add_test(tc, sweep);
    tcase_add_test(tc, sweep_in_small_batches);
    tcase_add_test(tc, sweep_after_replay);
    tcase_add_test(tc, sweep_refresh_keeps_grant);
    tcase_add_test(tc, sweep_rotated);
    tcase_add_test(tc, sweep_sessions);
    suite_add_tcase(s, tc);
    return s;
}
