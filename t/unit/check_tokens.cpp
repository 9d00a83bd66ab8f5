/*
 * tokens.h: refresh with and without rotation (RFC 6749 §6, RFC 9700
 * §4.14): sliding lifetimes, the grace window, reuse revoking the grant,
 * narrower scopes, other clients.
 */
#include "grant_fixtures.h"
#include "bearer.h"
#include "crypto.h"
#include "scope.h"
#include "secrets.h"
#include "sweep.h"
#include "suites.h"

using namespace seam;

START_TEST(redeem_issues_refresh_token)
{
    temp_store ts;
    store &s = ts.get();
    redemption r = redeem_with_refresh(s);
    ck_assert_uint_eq(r.refresh_token.size(), 51);
    ck_assert(base64url_decode(r.refresh_token).has_value());
    ck_assert_std_ne(r.refresh_token, r.access_token);
    ck_assert(r.expires_in == 3600);
    /* stored under its hash, bound to the grant and the client */
    {
        txn t = s.begin_read();
        ck_assert(!t.get(table::refresh, r.refresh_token));
    }
    auto rt = refresh_record(s, r.refresh_token);
    ck_assert(rt.has_value());
    ck_assert(rt->expires_at == 1010 + 86400);
    ck_assert(rt->grant_id == r.token.grant_id);
    ck_assert_std_eq(rt->client_id, "seam");
    ck_assert(rt->rotated_at == 0);
    /* the grant lists both tokens */
    auto g = grant_of(s, r.token.grant_id);
    ck_assert(g.has_value());
    ck_assert_uint_eq(g->access_tokens.size(), 1);
    ck_assert(g->access_tokens[0].hash == key_of(r.access_token).str());
    ck_assert_uint_eq(g->refresh_tokens.size(), 1);
    ck_assert(g->refresh_tokens[0].hash == key_of(r.refresh_token).str());
    ck_assert(g->refresh_tokens[0].expires_at == 1010 + 86400);

    /* refresh_token_ttl 0: no refresh token; expires_in is the ttl */
    redemption_request req = make_request(issue(s));
    req.access_token_ttl = 1234;
    redemption none = redeem_ok(s, req);
    ck_assert_std_eq(none.refresh_token, "");
    ck_assert(none.expires_in == 1234);
    ck_assert_uint_eq(entries(s, table::refresh), 1);
    g = grant_of(s, none.token.grant_id);
    ck_assert(g.has_value());
    ck_assert_uint_eq(g->refresh_tokens.size(), 0);
}
END_TEST

START_TEST(refresh_sliding)
{
    temp_store ts;
    store &s = ts.get();
    redemption first = redeem_with_refresh(s);

    redemption r = refresh_ok(s, make_refresh(first.refresh_token, 2000));
    /* a new access token, the same refresh token */
    ck_assert_uint_eq(r.access_token.size(), 51);
    ck_assert_std_ne(r.access_token, first.access_token);
    ck_assert_std_eq(r.refresh_token, first.refresh_token);
    ck_assert(r.expires_in == 3600);
    ck_assert(r.token.expires_at == 2000 + 3600);
    ck_assert(r.token.grant_id == first.token.grant_id);
    ck_assert_std_eq(r.token.user_id, "u_1");
    ck_assert_std_eq(r.token.client_id, "seam");
    ck_assert_std_eq(r.token.scope, "devices access_codes");
    auto found = find_access_token(s, r.access_token, 2001);
    ck_assert(found.has_value());
    ck_assert(found->expires_at == 2000 + 3600);
    ck_assert(found->grant_id == first.token.grant_id);
    /* the old access token is untouched: Seam refreshes from several
     * workflows at once */
    found = find_access_token(s, first.access_token, 2001);
    ck_assert(found.has_value());
    ck_assert(found->expires_at == 1010 + 3600);

    /* the refresh token's lifetime restarts, in its record and in the
     * grant's list */
    auto rt = refresh_record(s, first.refresh_token);
    ck_assert(rt.has_value());
    ck_assert(rt->expires_at == 2000 + 86400);
    ck_assert(rt->rotated_at == 0);
    auto g = grant_of(s, first.token.grant_id);
    ck_assert(g.has_value());
    ck_assert_uint_eq(g->refresh_tokens.size(), 1);
    ck_assert(g->refresh_tokens[0].expires_at == 2000 + 86400);
    ck_assert_uint_eq(g->access_tokens.size(), 2);
    ck_assert_uint_eq(entries(s, table::refresh), 1);

    /* past the first lifetime (1010 + 86400), inside the restarted one */
    r = refresh_ok(s, make_refresh(first.refresh_token, 87500));
    ck_assert_std_eq(r.refresh_token, first.refresh_token);
    rt = refresh_record(s, first.refresh_token);
    ck_assert(rt.has_value());
    ck_assert(rt->expires_at == 87500 + 86400);
    /* the grant no longer lists the expired access tokens */
    g = grant_of(s, first.token.grant_id);
    ck_assert(g.has_value());
    ck_assert_uint_eq(g->access_tokens.size(), 1);
    ck_assert(g->access_tokens[0].hash == key_of(r.access_token).str());

    /* unused for a whole lifetime: expired */
    redemption late = refresh_fails(
        s, make_refresh(first.refresh_token, 87500 + 86400));
    ck_assert(!late.replay);
}
END_TEST

START_TEST(refresh_rotation)
{
    temp_store ts;
    store &s = ts.get();
    redemption first = redeem_with_refresh(s);
    redemption r = refresh_ok(s, make_refresh(first.refresh_token, 2000,
                                              true));
    /* a new pair, derived from the old refresh token and the key */
    ck_assert_std_ne(r.refresh_token, first.refresh_token);
    ck_assert_std_ne(r.access_token, first.access_token);
    ck_assert_std_ne(r.access_token, r.refresh_token);
    ck_assert_std_eq(r.access_token,
                     derived("access", first.refresh_token, 2000));
    ck_assert_std_eq(r.refresh_token,
                     derived("refresh", first.refresh_token, 2000));
    /* whose keys sort by the rotation's time */
    ck_assert_uint_eq(time_of(key_of(r.access_token).str()), 2000 * 1000);
    ck_assert_uint_eq(time_of(key_of(r.refresh_token).str()), 2000 * 1000);
    ck_assert(r.expires_in == 3600);
    ck_assert(r.token.expires_at == 2000 + 3600);
    ck_assert(r.token.grant_id == first.token.grant_id);
    ck_assert_std_eq(r.token.scope, "devices access_codes");
    ck_assert(find_access_token(s, r.access_token, 2001).has_value());
    /* live access tokens are untouched here too */
    ck_assert(find_access_token(s, first.access_token, 2001).has_value());

    /* the old refresh token is marked, and kept until it expires; the
     * new one is the grant's current one */
    auto old_rt = refresh_record(s, first.refresh_token);
    ck_assert(old_rt.has_value());
    ck_assert(old_rt->rotated_at == 2000);
    ck_assert(old_rt->expires_at == 1010 + 86400);
    auto new_rt = refresh_record(s, r.refresh_token);
    ck_assert(new_rt.has_value());
    ck_assert(new_rt->rotated_at == 0);
    ck_assert(new_rt->expires_at == 2000 + 86400);
    ck_assert(new_rt->grant_id == first.token.grant_id);
    ck_assert_std_eq(new_rt->client_id, "seam");
    auto g = grant_of(s, first.token.grant_id);
    ck_assert(g.has_value());
    ck_assert_uint_eq(g->refresh_tokens.size(), 2);

    /* the new refresh token rotates in turn */
    redemption next = refresh_ok(s, make_refresh(r.refresh_token, 3000,
                                                 true));
    ck_assert_std_eq(next.refresh_token,
                     derived("refresh", r.refresh_token, 3000));
    ck_assert_std_ne(next.access_token, r.access_token);
    new_rt = refresh_record(s, r.refresh_token);
    ck_assert(new_rt.has_value());
    ck_assert(new_rt->rotated_at == 3000);
    ck_assert(find_access_token(s, r.access_token, 3001).has_value());
}
END_TEST

START_TEST(rotation_grace_replay)
{
    temp_store ts;
    store &s = ts.get();
    redemption first = redeem_with_refresh(s);
    redemption r = refresh_ok(s, make_refresh(first.refresh_token, 2000,
                                              true));
    size_t tokens = entries(s, table::tokens);
    size_t refresh = entries(s, table::refresh);

    /* concurrent refreshes with the old token agree: within the grace
     * window (60 s, bounds included) the very same pair */
    for (uint64_t now : {2000, 2001, 2030, 2060}) {
        redemption again = refresh_ok(s, make_refresh(first.refresh_token,
                                                      now, true));
        ck_assert_std_eq(again.access_token, r.access_token);
        ck_assert_std_eq(again.refresh_token, r.refresh_token);
        ck_assert(again.token.expires_at == 2000 + 3600);
        ck_assert(again.token.grant_id == r.token.grant_id);
        ck_assert_std_eq(again.token.scope, r.token.scope);
        ck_assert_std_eq(again.token.user_id, "u_1");
        ck_assert(again.expires_in == 2000 + 3600 - now);
    }
    /* nothing new was stored, nothing revoked */
    ck_assert_uint_eq(entries(s, table::tokens), tokens);
    ck_assert_uint_eq(entries(s, table::refresh), refresh);
    ck_assert(find_access_token(s, first.access_token, 2060).has_value());
    auto old_rt = refresh_record(s, first.refresh_token);
    ck_assert(old_rt.has_value());
    ck_assert(old_rt->rotated_at == 2000);

    /* with another key nothing matches: no pair is made up */
    refresh_request other_key = make_refresh(first.refresh_token, 2040,
                                             true);
    other_key.key = std::string(32, 'x');
    refresh_fails(s, other_key);

    /* the pair handed out again is the live one */
    redemption next = refresh_ok(s, make_refresh(r.refresh_token, 2060,
                                                 true));
    ck_assert_std_ne(next.refresh_token, r.refresh_token);
}
END_TEST

START_TEST(rotation_grace_replay_clock_behind)
{
    /* `now` is read on the event loop when the request is planned and
     * the refresh runs later in a thread pool (and other workers have
     * their own clock cache): of two concurrent refreshes with the same
     * token, the one that commits second may carry the earlier `now`.
     * A replay dated before the rotation is inside the grace window, not
     * a reuse after it. */
    temp_store ts;
    store &s = ts.get();
    redemption first = redeem_with_refresh(s);
    redemption r = refresh_ok(s, make_refresh(first.refresh_token, 2000,
                                              true));
    redemption again = refresh_grant(s, make_refresh(first.refresh_token,
                                                     1999, true));
    ck_assert_msg(!again.replay,
                  "a replay one second before the rotation revoked the "
                  "grant (%s)", again.description.c_str());
    ck_assert(again.error == oauth_error::none);
    ck_assert_std_eq(again.access_token, r.access_token);
    ck_assert_std_eq(again.refresh_token, r.refresh_token);
    ck_assert(find_access_token(s, r.access_token, 2001).has_value());
}
END_TEST

START_TEST(rotation_reuse_revokes)
{
    temp_store ts;
    store &s = ts.get();
    redemption other = redeem_with_refresh(s, 1010, "devices", "u_2");
    redemption first = redeem_with_refresh(s);
    redemption second = refresh_ok(s, make_refresh(first.refresh_token,
                                                   2000, true));
    redemption third = refresh_ok(s, make_refresh(second.refresh_token,
                                                  2500, true));

    /* the first refresh token again, one second after the grace window:
     * it was stolen, or the client is broken */
    redemption r = refresh_fails(s, make_refresh(first.refresh_token, 2061,
                                                 true));
    ck_assert(r.replay);

    /* RFC 9700 §4.14: every token of the grant is gone */
    for (const redemption *x : {&first, &second, &third}) {
        ck_assert(!find_access_token(s, x->access_token, 2062));
        ck_assert(!refresh_record(s, x->refresh_token));
        ck_assert(!introspect_token(s, x->access_token, 2062).active);
        ck_assert(!introspect_token(s, x->refresh_token, 2062).active);
    }
    ck_assert(!grant_of(s, first.token.grant_id));
    refresh_fails(s, make_refresh(third.refresh_token, 2062, true));
    refresh_fails(s, make_refresh(second.refresh_token, 2062, true));
    /* once more: refused, nothing left to revoke */
    ck_assert(!refresh_fails(s, make_refresh(first.refresh_token, 2063,
                                             true))
                   .replay);

    /* the other grant lives on */
    ck_assert_uint_eq(entries(s, table::grants), 1);
    ck_assert_uint_eq(entries(s, table::tokens), 1);
    ck_assert_uint_eq(entries(s, table::refresh), 1);
    ck_assert(find_access_token(s, other.access_token, 2062).has_value());
    refresh_ok(s, make_refresh(other.refresh_token, 2062, true));
}
END_TEST

START_TEST(refresh_scope)
{
    temp_store ts;
    store &s = ts.get();
    redemption first = redeem_with_refresh(s);   /* devices access_codes */
    refresh_request req = make_refresh(first.refresh_token, 2000);
    req.scope = "devices";
    redemption r = refresh_ok(s, req);
    ck_assert_std_eq(r.token.scope, "devices");
    auto found = find_access_token(s, r.access_token, 2001);
    ck_assert(found.has_value());
    ck_assert_std_eq(found->scope, "devices");
    /* the grant keeps its scope: a refresh without scope gets it all */
    auto g = grant_of(s, first.token.grant_id);
    ck_assert(g.has_value());
    ck_assert_std_eq(g->scope, "devices access_codes");
    ck_assert_std_eq(
        refresh_ok(s, make_refresh(first.refresh_token, 2001)).token.scope,
        "devices access_codes");
    /* all of it, in another order */
    req.scope = "access_codes devices";
    ck_assert_std_eq(refresh_ok(s, req).token.scope, "access_codes devices");
    /* narrowed with rotation too */
    refresh_request rot = make_refresh(first.refresh_token, 2002, true);
    rot.scope = "access_codes";
    ck_assert_std_eq(refresh_ok(s, rot).token.scope, "access_codes");

    /* wider: invalid_scope, nothing issued, nothing revoked */
    redemption second = redeem_with_refresh(s);
    size_t tokens = entries(s, table::tokens);
    for (const char *wider : {"admin", "devices admin",
                              "devices access_codes admin", "device",
                              "devices:write"})
    {
        req = make_refresh(second.refresh_token, 2000);
        req.scope = wider;
        ck_assert(!refresh_fails(s, req, oauth_error::invalid_scope).replay);
        req.rotate = true;
        ck_assert(!refresh_fails(s, req, oauth_error::invalid_scope).replay);
    }
    ck_assert_uint_eq(entries(s, table::tokens), tokens);
    auto rt = refresh_record(s, second.refresh_token);
    ck_assert(rt.has_value());
    ck_assert(rt->rotated_at == 0);
    ck_assert(rt->expires_at == 1010 + 86400);
    refresh_ok(s, make_refresh(second.refresh_token, 2003));

    /* a grant without scope: no scope may be asked for */
    redemption bare = redeem_with_refresh(s, 1010, "");
    req = make_refresh(bare.refresh_token, 2000);
    req.scope = "devices";
    refresh_fails(s, req, oauth_error::invalid_scope);
    ck_assert_std_eq(
        refresh_ok(s, make_refresh(bare.refresh_token, 2001)).token.scope,
        "");
}
END_TEST

START_TEST(refresh_scope_malformed)
{
    temp_store ts;
    store &s = ts.get();
    redemption first = redeem_with_refresh(s, 1010, "devices");
    /* a scope that split_scope (RFC 6749 §3.3) refuses is no narrower
     * scope: it is invalid_scope, as at /authorize. Stored verbatim, "
     * admin" or "devices  admin" would pass scope_within("admin", scope)
     * (bearer.h), which skips empty scope-tokens. */
    for (const char *bad : {" admin", "devices  admin", "devices admin ",
                            "devices \"admin", "devices\tadmin"})
    {
        refresh_request req = make_refresh(first.refresh_token, 2000);
        req.scope = bad;
        redemption r = refresh_grant(s, req);
        ck_assert_msg(!scope_within("admin", r.token.scope),
                      "scope=\"%s\" on a grant of \"devices\" gave a token "
                      "with scope \"%s\", which scope_within reads as "
                      "holding admin",
                      printable(bad).c_str(),
                      printable(r.token.scope).c_str());
        ck_assert_msg(r.error == oauth_error::invalid_scope,
                      "scope=\"%s\" was not refused (token scope \"%s\")",
                      printable(bad).c_str(),
                      printable(r.token.scope).c_str());
        ck_assert_std_eq(r.access_token, "");
    }
}
END_TEST

START_TEST(refresh_wrong_client)
{
    temp_store ts;
    store &s = ts.get();
    redemption first = redeem_with_refresh(s);
    refresh_request req = make_refresh(first.refresh_token, 2000);
    req.client_id = "other";
    ck_assert(!refresh_fails(s, req).replay);
    req.rotate = true;
    ck_assert(!refresh_fails(s, req).replay);
    /* the owner's client is not affected */
    refresh_ok(s, make_refresh(first.refresh_token, 2001, true));
    /* nor when another client presents the rotated token after the grace
     * window: a client cannot end a grant it does not hold */
    req = make_refresh(first.refresh_token, 3000, true);
    req.client_id = "other";
    ck_assert(!refresh_fails(s, req).replay);
    ck_assert(grant_of(s, first.token.grant_id).has_value());
}
END_TEST

START_TEST(refresh_expired_or_unknown)
{
    temp_store ts;
    store &s = ts.get();
    redemption a = redeem_with_refresh(s), b = redeem_with_refresh(s);
    /* a day from 1010, though the access token expired long before */
    refresh_ok(s, make_refresh(a.refresh_token, 1010 + 86399));
    ck_assert(!refresh_fails(s, make_refresh(b.refresh_token, 1010 + 86400))
                   .replay);
    refresh_fails(s, make_refresh(b.refresh_token, 1010 + 86400, true));
    refresh_fails(s, make_refresh(b.refresh_token, 200000));
    /* unknown; an access token or a code is no refresh token */
    refresh_fails(s, make_refresh("nope", 2000));
    refresh_fails(s, make_refresh("", 2000));
    refresh_fails(s, make_refresh(b.access_token, 2000));
    refresh_fails(s, make_refresh(a.refresh_token.substr(0, 42), 2000));
    std::string code = issue(s);
    refresh_fails(s, make_refresh(code, 1020));
}
END_TEST

START_TEST(refresh_after_revoke)
{
    temp_store ts;
    store &s = ts.get();
    redemption a = redeem_with_refresh(s);
    redemption b = redeem_with_refresh(s, 1010, "devices", "u_2");
    ck_assert(revoke_grant_hex(s, hex_encode(a.token.grant_id)));
    ck_assert(!refresh_record(s, a.refresh_token));
    ck_assert(!refresh_fails(s, make_refresh(a.refresh_token, 2000)).replay);
    refresh_fails(s, make_refresh(a.refresh_token, 2000, true));
    refresh_ok(s, make_refresh(b.refresh_token, 2000));

    ck_assert_uint_eq(revoke_user_grants(s, "u_2"), 1);
    refresh_fails(s, make_refresh(b.refresh_token, 2001));
    ck_assert_uint_eq(entries(s, table::refresh), 0);
    ck_assert_uint_eq(entries(s, table::tokens), 0);

    /* a replayed code revokes the refresh token it produced */
    redemption_request req = make_request(issue(s));
    req.refresh_token_ttl = 86400;
    redemption c = redeem_ok(s, req);
    req.now = 1020;
    ck_assert(redeem_code(s, req).replay);
    refresh_fails(s, make_refresh(c.refresh_token, 1030));
    ck_assert_uint_eq(entries(s, table::refresh), 0);
}
END_TEST

/* ---- revocation (RFC 7009) -------------------------------------------- */

Suite *
tokens_suite()
{
    Suite *s = suite_create("tokens");
    TCase *tc = tcase_create("refresh");
    tcase_add_test(tc, redeem_issues_refresh_token);
    tcase_add_test(tc, refresh_sliding);
    tcase_add_test(tc, refresh_rotation);
    tcase_add_test(tc, rotation_grace_replay);
    tcase_add_test(tc, rotation_grace_replay_clock_behind);
    tcase_add_test(tc, rotation_reuse_revokes);
    tcase_add_test(tc, refresh_scope);
    tcase_add_test(tc, refresh_scope_malformed);
    tcase_add_test(tc, refresh_wrong_client);
    tcase_add_test(tc, refresh_expired_or_unknown);
    tcase_add_test(tc, refresh_after_revoke);
    suite_add_tcase(s, tc);
    return s;
}
