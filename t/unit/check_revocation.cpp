/*
 * revocation.h: grants revoked by id and by owner, token revocation (RFC
 * 7009) and introspection (RFC 7662).
 */
#include "grant_fixtures.h"
#include "bearer.h"
#include "crypto.h"
#include "secrets.h"
#include "sweep.h"
#include "suites.h"

using namespace seam;

START_TEST(revoke_by_hex)
{
    temp_store ts;
    store &s = ts.get();
    redemption a = redeem_ok(s, make_request(issue(s)));
    redemption b = redeem_ok(s, make_request(issue(s)));

    ck_assert(!revoke_grant_hex(s, "zz"));
    ck_assert(!revoke_grant_hex(s, "abc"));
    ck_assert(!revoke_grant_hex(s, std::string(32, '0')));
    std::string hex = hex_encode(a.token.grant_id);
    ck_assert(find_access_token(s, a.access_token, 1020).has_value());

    ck_assert(revoke_grant_hex(s, hex));
    ck_assert(!find_access_token(s, a.access_token, 1020));
    ck_assert(find_access_token(s, b.access_token, 1020).has_value());
    ck_assert_uint_eq(list_grants(s, 1020).size(), 1);
    /* a second time: gone */
    ck_assert(!revoke_grant_hex(s, hex));
}
END_TEST

START_TEST(revoke_by_user)
{
    temp_store ts;
    store &s = ts.get();
    redemption a1 = redeem_ok(s, make_request(issue(s, make_code("u_a"))));
    redemption a2 = redeem_ok(s, make_request(issue(s, make_code("u_a"))));
    redemption b = redeem_ok(s, make_request(issue(s, make_code("u_b"))));

    ck_assert_uint_eq(revoke_user_grants(s, "u_a"), 2);
    ck_assert(!find_access_token(s, a1.access_token, 1020));
    ck_assert(!find_access_token(s, a2.access_token, 1020));
    ck_assert(find_access_token(s, b.access_token, 1020).has_value());
    ck_assert_uint_eq(revoke_user_grants(s, "u_a"), 0);
    ck_assert_uint_eq(revoke_user_grants(s, "u_nobody"), 0);
    ck_assert_uint_eq(list_grants(s, 1020).size(), 1);
}
END_TEST

START_TEST(revoke_access_token)
{
    temp_store ts;
    store &s = ts.get();
    redemption r = redeem_with_refresh(s);
    /* another client's token: untouched */
    ck_assert(!revoke_token(s, r.access_token, "other"));
    ck_assert(!revoke_token(s, r.access_token, ""));
    ck_assert(find_access_token(s, r.access_token, 1020).has_value());

    ck_assert(revoke_token(s, r.access_token, "seam"));
    ck_assert(!find_access_token(s, r.access_token, 1020));
    ck_assert(!introspect_token(s, r.access_token, 1020).active);
    ck_assert(!revoke_token(s, r.access_token, "seam"));
    /* only that token: the grant and its refresh token live on */
    ck_assert(grant_of(s, r.token.grant_id).has_value());
    redemption again = refresh_ok(s, make_refresh(r.refresh_token, 1030));
    ck_assert(find_access_token(s, again.access_token, 1031).has_value());

    /* unknown */
    ck_assert(!revoke_token(s, "nope", "seam"));
    ck_assert(!revoke_token(s, "", "seam"));
    ck_assert(!revoke_token(s, r.token.grant_id, "seam"));
    ck_assert(find_access_token(s, again.access_token, 1031).has_value());
}
END_TEST

START_TEST(revoke_refresh_token)
{
    temp_store ts;
    store &s = ts.get();
    redemption other = redeem_with_refresh(s, 1010, "devices", "u_2");
    redemption r = redeem_with_refresh(s);
    redemption more = refresh_ok(s, make_refresh(r.refresh_token, 1030));

    ck_assert(!revoke_token(s, r.refresh_token, "other"));
    ck_assert(find_access_token(s, r.access_token, 1031).has_value());
    ck_assert(refresh_record(s, r.refresh_token).has_value());

    /* RFC 7009 §2.1: revoking a refresh token ends its grant */
    ck_assert(revoke_token(s, r.refresh_token, "seam"));
    ck_assert(!find_access_token(s, r.access_token, 1031));
    ck_assert(!find_access_token(s, more.access_token, 1031));
    ck_assert(!refresh_record(s, r.refresh_token));
    ck_assert(!grant_of(s, r.token.grant_id));
    refresh_fails(s, make_refresh(r.refresh_token, 1032));
    ck_assert(!revoke_token(s, r.refresh_token, "seam"));

    /* the other grant lives on */
    ck_assert(find_access_token(s, other.access_token, 1031).has_value());
    refresh_ok(s, make_refresh(other.refresh_token, 1032));
    ck_assert_uint_eq(entries(s, table::grants), 1);
}
END_TEST

/* ---- introspection (RFC 7662) ----------------------------------------- */

START_TEST(introspect_access)
{
    temp_store ts;
    store &s = ts.get();
    redemption r = redeem_with_refresh(s);
    token_info i = introspect_token(s, r.access_token, 1020);
    ck_assert(i.active);
    ck_assert(!i.refresh);
    ck_assert_std_eq(i.client_id, "seam");
    ck_assert_std_eq(i.user_id, "u_1");
    ck_assert_std_eq(i.scope, "devices access_codes");
    ck_assert(i.expires_at == 1010 + 3600);
    ck_assert(introspect_token(s, r.access_token, 1010 + 3599).active);

    /* a narrowed token has its own scope */
    refresh_request req = make_refresh(r.refresh_token, 1030);
    req.scope = "devices";
    redemption narrow = refresh_ok(s, req);
    i = introspect_token(s, narrow.access_token, 1031);
    ck_assert(i.active);
    ck_assert_std_eq(i.scope, "devices");
    ck_assert(i.expires_at == 1030 + 3600);

    /* expired: inactive, and nothing else said */
    expect_inactive(introspect_token(s, r.access_token, 1010 + 3600));

    /* unknown */
    expect_inactive(introspect_token(s, "nope", 1020));
    expect_inactive(introspect_token(s, "", 1020));
    expect_inactive(introspect_token(s, r.access_token.substr(1), 1020));
}
END_TEST

START_TEST(introspect_refresh)
{
    temp_store ts;
    store &s = ts.get();
    redemption r = redeem_with_refresh(s);
    token_info i = introspect_token(s, r.refresh_token, 1020);
    ck_assert(i.active);
    ck_assert(i.refresh);
    ck_assert_std_eq(i.client_id, "seam");
    ck_assert_std_eq(i.user_id, "u_1");
    ck_assert_std_eq(i.scope, "devices access_codes");
    ck_assert(i.expires_at == 1010 + 86400);

    /* after a narrowed refresh: still the grant's scope, the restarted
     * lifetime */
    refresh_request req = make_refresh(r.refresh_token, 2000);
    req.scope = "devices";
    refresh_ok(s, req);
    i = introspect_token(s, r.refresh_token, 2001);
    ck_assert(i.active);
    ck_assert(i.refresh);
    ck_assert_std_eq(i.scope, "devices access_codes");
    ck_assert(i.expires_at == 2000 + 86400);
    ck_assert(introspect_token(s, r.refresh_token, 2000 + 86399).active);
    /* expired */
    expect_inactive(introspect_token(s, r.refresh_token, 2000 + 86400));

    /* rotated: inactive at once, even within the grace window */
    redemption b = redeem_with_refresh(s);
    redemption nb = refresh_ok(s, make_refresh(b.refresh_token, 2000, true));
    expect_inactive(introspect_token(s, b.refresh_token, 2001));
    i = introspect_token(s, nb.refresh_token, 2001);
    ck_assert(i.active);
    ck_assert(i.refresh);
    ck_assert(i.expires_at == 2000 + 86400);

    /* revoked with its grant */
    ck_assert(revoke_grant_hex(s, hex_encode(b.token.grant_id)));
    ck_assert(!introspect_token(s, nb.refresh_token, 2001).active);
    ck_assert(!introspect_token(s, nb.access_token, 2001).active);
}
END_TEST

/* ---- sign-in sessions ------------------------------------------------- */

Suite *
revocation_suite()
{
    Suite *s = suite_create("revocation");
    TCase *tc = tcase_create("revoke");
    tcase_add_test(tc, revoke_by_hex);
    tcase_add_test(tc, revoke_by_user);
    tcase_add_test(tc, revoke_access_token);
    tcase_add_test(tc, revoke_refresh_token);
    suite_add_tcase(s, tc);

    tc = tcase_create("introspect");
    tcase_add_test(tc, introspect_access);
    tcase_add_test(tc, introspect_refresh);
    suite_add_tcase(s, tc);
    return s;
}
