/*
 * grants.h on a temporary LMDB store: codes issued, redeemed once (RFC
 * 6749 §4.1.2, §4.1.3), replay revoking the first token, PKCE (RFC 7636
 * §4.6) and its downgrade, revocation and the sweep of expired records.
 */
#include "crypto.h"
#include "grants.h"
#include "helpers.h"
#include "suites.h"

using namespace seam;

namespace {

const char *const redirect = "https://x.integrations.getseam.com/cb";
const char *const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

code_record
make_code(std::string user = "u_1", std::string challenge = "")
{
    code_record c;
    c.client_id = "seam";
    c.redirect_uri = redirect;
    c.user_id = std::move(user);
    c.scope = "devices";
    c.code_challenge = std::move(challenge);
    return c;
}

redemption_request
make_request(const std::string &code, uint64_t now = 1010)
{
    redemption_request r;
    r.code = code;
    r.client_id = "seam";
    r.redirect_uri = std::string(redirect);
    r.now = now;
    r.access_token_ttl = 3600;
    without_refresh_token(r);
    return r;
}

std::string
issue(store &s, code_record c = make_code(), uint64_t now = 1000,
      uint64_t ttl = 60)
{
    auto code = issue_code(s, std::move(c), now, ttl);
    ck_assert(code.has_value());
    return *code;
}

/* Redeems a fresh code and returns the redemption, which must succeed. */
redemption
redeem_ok(store &s, const redemption_request &req)
{
    redemption r = redeem_code(s, req);
    ck_assert_msg(r.error == oauth_error::none, "redemption failed: %s",
                  r.description.c_str());
    return r;
}

size_t
entries(store &s, table t)
{
    return s.stats().entries[static_cast<int>(t)];
}

}  // namespace

START_TEST(issue_and_redeem)
{
    temp_store ts;
    store &s = ts.get();
    std::string code = issue(s);
    /* 256 bits from the CSPRNG, base64url */
    ck_assert_uint_eq(code.size(), 43);
    ck_assert(base64url_decode(code).has_value());
    /* stored under its hash, never in clear */
    {
        txn t = s.begin_read();
        ck_assert(!t.get(table::codes, code));
        auto v = t.get(table::codes, sha256(code));
        ck_assert(v.has_value());
        auto rec = decode_code(*v);
        ck_assert(rec.has_value());
        ck_assert(rec->expires_at == 1060);
    }

    redemption r = redeem_ok(s, make_request(code));
    ck_assert(!r.replay);
    ck_assert_uint_eq(r.access_token.size(), 43);
    ck_assert_std_ne(r.access_token, code);
    ck_assert(r.token.expires_at == 1010 + 3600);
    ck_assert_std_eq(r.token.user_id, "u_1");
    ck_assert_std_eq(r.token.client_id, "seam");
    ck_assert_std_eq(r.token.scope, "devices");
    ck_assert_uint_eq(r.token.grant_id.size(), 16);

    auto found = find_access_token(s, r.access_token, 1020);
    ck_assert(found.has_value());
    ck_assert_std_eq(found->user_id, "u_1");
    ck_assert(found->grant_id == r.token.grant_id);
    /* the token is stored under its hash too */
    {
        txn t = s.begin_read();
        ck_assert(!t.get(table::tokens, r.access_token));
        ck_assert(t.get(table::tokens, sha256(r.access_token)).has_value());
    }
    /* a token's own expiry */
    ck_assert(find_access_token(s, r.access_token, 1010 + 3599).has_value());
    ck_assert(!find_access_token(s, r.access_token, 1010 + 3600));
    /* unknown tokens */
    ck_assert(!find_access_token(s, "nope", 1020));
    ck_assert(!find_access_token(s, code, 1020));

    /* the grant is listed */
    auto grants = list_grants(s, 1020);
    ck_assert_uint_eq(grants.size(), 1);
    ck_assert_std_eq(grants[0].grant_id, hex_encode(r.token.grant_id));
    ck_assert_std_eq(grants[0].grant.user_id, "u_1");
    ck_assert_uint_eq(grants[0].live_tokens, 1);
    ck_assert_uint_eq(list_grants(s, 1010 + 3600)[0].live_tokens, 0);
}
END_TEST

START_TEST(codes_distinct)
{
    temp_store ts;
    std::string a = issue(ts.get()), b = issue(ts.get());
    ck_assert_std_ne(a, b);
    redemption ra = redeem_ok(ts.get(), make_request(a));
    redemption rb = redeem_ok(ts.get(), make_request(b));
    ck_assert_std_ne(ra.access_token, rb.access_token);
    ck_assert(ra.token.grant_id != rb.token.grant_id);
}
END_TEST

START_TEST(replay_revokes)
{
    temp_store ts;
    store &s = ts.get();
    std::string code = issue(s);
    redemption first = redeem_ok(s, make_request(code));
    ck_assert(find_access_token(s, first.access_token, 1011).has_value());

    redemption second = redeem_code(s, make_request(code, 1012));
    ck_assert(second.error == oauth_error::invalid_grant);
    ck_assert(second.replay);
    ck_assert_std_eq(second.access_token, "");
    /* RFC 6749 §4.1.2: the token from the first redemption is dead */
    ck_assert(!find_access_token(s, first.access_token, 1013));
    ck_assert_uint_eq(list_grants(s, 1013).size(), 0);

    /* a third try: still refused, nothing more to revoke */
    redemption third = redeem_code(s, make_request(code, 1014));
    ck_assert(third.error == oauth_error::invalid_grant);
    ck_assert(!third.replay);
}
END_TEST

START_TEST(replay_leaves_other_grants)
{
    temp_store ts;
    store &s = ts.get();
    std::string a = issue(s), b = issue(s);
    redemption ra = redeem_ok(s, make_request(a));
    redemption rb = redeem_ok(s, make_request(b));
    redeem_code(s, make_request(a, 1020));
    ck_assert(!find_access_token(s, ra.access_token, 1021));
    ck_assert(find_access_token(s, rb.access_token, 1021).has_value());
}
END_TEST

START_TEST(unknown_code)
{
    temp_store ts;
    redemption r = redeem_code(ts.get(), make_request("not-a-code"));
    ck_assert(r.error == oauth_error::invalid_grant);
    ck_assert(!r.replay);
    ck_assert_std_eq(r.access_token, "");
    r = redeem_code(ts.get(), make_request(""));
    ck_assert(r.error == oauth_error::invalid_grant);
}
END_TEST

START_TEST(expiry)
{
    temp_store ts;
    store &s = ts.get();
    /* issued at 1000 with a 60 s lifetime: good at 1059, dead at 1060 */
    std::string late = issue(s, make_code(), 1000, 60);
    redemption r = redeem_code(s, make_request(late, 1060));
    ck_assert(r.error == oauth_error::invalid_grant);
    ck_assert_std_eq(r.access_token, "");
    ck_assert_uint_eq(list_grants(s, 1060).size(), 0);

    std::string in_time = issue(s, make_code(), 1000, 60);
    redeem_ok(s, make_request(in_time, 1059));

    std::string much_later = issue(s, make_code(), 1000, 60);
    ck_assert(redeem_code(s, make_request(much_later, 1061)).error
              == oauth_error::invalid_grant);
}
END_TEST

START_TEST(wrong_client)
{
    temp_store ts;
    store &s = ts.get();
    std::string code = issue(s);
    redemption_request req = make_request(code);
    req.client_id = "other";
    redemption r = redeem_code(s, req);
    ck_assert(r.error == oauth_error::invalid_grant);
    ck_assert_std_eq(r.access_token, "");
    /* the failed attempt used the code up */
    ck_assert(redeem_code(s, make_request(code)).error
              == oauth_error::invalid_grant);
}
END_TEST

START_TEST(redirect_uri_binding)
{
    temp_store ts;
    store &s = ts.get();

    /* absent */
    std::string code = issue(s);
    redemption_request req = make_request(code);
    req.redirect_uri.reset();
    ck_assert(redeem_code(s, req).error == oauth_error::invalid_grant);

    /* different */
    code = issue(s);
    req = make_request(code);
    req.redirect_uri = std::string(redirect) + "/";
    ck_assert(redeem_code(s, req).error == oauth_error::invalid_grant);
    code = issue(s);
    req = make_request(code);
    req.redirect_uri = "https://y.integrations.getseam.com/cb";
    ck_assert(redeem_code(s, req).error == oauth_error::invalid_grant);

    /* absent but optional (Seam's intercom guide) */
    code = issue(s);
    req = make_request(code);
    req.redirect_uri.reset();
    req.redirect_uri_optional = true;
    redeem_ok(s, req);

    /* optional does not mean "may differ" */
    code = issue(s);
    req = make_request(code);
    req.redirect_uri = "https://evil.example/cb";
    req.redirect_uri_optional = true;
    ck_assert(redeem_code(s, req).error == oauth_error::invalid_grant);
}
END_TEST

START_TEST(pkce_s256)
{
    temp_store ts;
    store &s = ts.get();
    std::string challenge = s256_challenge(verifier);

    /* right verifier */
    std::string code = issue(s, make_code("u_1", challenge));
    redemption_request req = make_request(code);
    req.code_verifier = std::string(verifier);
    redeem_ok(s, req);

    /* wrong verifier (valid syntax) */
    code = issue(s, make_code("u_1", challenge));
    req = make_request(code);
    req.code_verifier = std::string(43, 'a');
    ck_assert(redeem_code(s, req).error == oauth_error::invalid_grant);
    /* and the code is gone: no second guess */
    req.code_verifier = std::string(verifier);
    ck_assert(redeem_code(s, req).error == oauth_error::invalid_grant);

    /* missing verifier */
    code = issue(s, make_code("u_1", challenge));
    req = make_request(code);
    ck_assert(redeem_code(s, req).error == oauth_error::invalid_grant);

    /* the challenge itself as verifier, or a too short verifier */
    code = issue(s, make_code("u_1", challenge));
    req = make_request(code);
    req.code_verifier = challenge;
    ck_assert(redeem_code(s, req).error == oauth_error::invalid_grant);
    code = issue(s, make_code("u_1", challenge));
    req = make_request(code);
    req.code_verifier = std::string(verifier).substr(0, 42);
    ck_assert(redeem_code(s, req).error == oauth_error::invalid_grant);
}
END_TEST

START_TEST(pkce_downgrade)
{
    temp_store ts;
    store &s = ts.get();
    /* RFC 9700 §2.1.1: a verifier when no challenge was sent */
    std::string code = issue(s, make_code("u_1", ""));
    redemption_request req = make_request(code);
    req.code_verifier = std::string(verifier);
    redemption r = redeem_code(s, req);
    ck_assert(r.error == oauth_error::invalid_grant);
    ck_assert_std_eq(r.access_token, "");
    /* even an empty one */
    code = issue(s, make_code("u_1", ""));
    req = make_request(code);
    req.code_verifier = std::string();
    ck_assert(redeem_code(s, req).error == oauth_error::invalid_grant);
}
END_TEST

START_TEST(verifier_syntax)
{
    ck_assert(valid_code_verifier(verifier));
    ck_assert(valid_code_verifier(std::string(43, 'a')));
    ck_assert(valid_code_verifier(std::string(128, '~')));
    ck_assert(valid_code_verifier("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"
                                  "0123456789-._~"));
    ck_assert(!valid_code_verifier(std::string(42, 'a')));
    ck_assert(!valid_code_verifier(std::string(129, 'a')));
    ck_assert(!valid_code_verifier(std::string(42, 'a') + "+"));
    ck_assert(!valid_code_verifier(std::string(42, 'a') + "="));
    ck_assert(!valid_code_verifier(std::string(42, 'a') + " "));
    ck_assert(!valid_code_verifier(""));

    std::string c = s256_challenge(verifier);
    ck_assert(valid_code_challenge(c));
    ck_assert(!valid_code_challenge(c.substr(0, 42)));
    ck_assert(!valid_code_challenge(c + "A"));
    ck_assert(!valid_code_challenge(c.substr(0, 42) + "="));
    ck_assert(!valid_code_challenge("+" + c.substr(1)));
    ck_assert(!valid_code_challenge(""));
}
END_TEST

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

Suite *
grants_suite()
{
    Suite *s = suite_create("grants");
    TCase *tc = tcase_create("redeem");
    tcase_add_test(tc, issue_and_redeem);
    tcase_add_test(tc, codes_distinct);
    tcase_add_test(tc, replay_revokes);
    tcase_add_test(tc, replay_leaves_other_grants);
    tcase_add_test(tc, unknown_code);
    tcase_add_test(tc, expiry);
    tcase_add_test(tc, wrong_client);
    tcase_add_test(tc, redirect_uri_binding);
    suite_add_tcase(s, tc);

    tc = tcase_create("pkce");
    tcase_add_test(tc, pkce_s256);
    tcase_add_test(tc, pkce_downgrade);
    tcase_add_test(tc, verifier_syntax);
    suite_add_tcase(s, tc);

    tc = tcase_create("revoke");
    tcase_add_test(tc, revoke_by_hex);
    tcase_add_test(tc, revoke_by_user);
    suite_add_tcase(s, tc);

    tc = tcase_create("sweep");
    tcase_add_test(tc, sweep);
    tcase_add_test(tc, sweep_in_small_batches);
    tcase_add_test(tc, sweep_after_replay);
    suite_add_tcase(s, tc);
    return s;
}
