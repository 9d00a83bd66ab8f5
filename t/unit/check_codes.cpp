/*
 * codes.h: codes issued on a temporary store and redeemed once (RFC 6749
 * §4.1.2, §4.1.3), group commit, replay revoking the first token, expiry,
 * client and redirect_uri binding, PKCE (RFC 7636 §4.6) and its downgrade.
 */
#include "grant_fixtures.h"
#include "bearer.h"
#include "crypto.h"
#include "secrets.h"
#include "sweep.h"
#include "suites.h"

using namespace seam;

START_TEST(issue_and_redeem)
{
    temp_store ts;
    store &s = ts.get();
    std::string code = issue(s);
    /* the issue time and 256 bits from the CSPRNG, base64url */
    ck_assert_uint_eq(code.size(), 51);
    ck_assert(base64url_decode(code).has_value());
    /* stored under its hash, never in clear */
    {
        txn t = s.begin_read();
        ck_assert(!t.get(table::codes, code));
        auto v = t.get(table::codes, key_of(code).str());
        ck_assert(v.has_value());
        auto rec = decode_code(*v);
        ck_assert(rec.has_value());
        ck_assert(rec->expires_at == 1060);
    }

    redemption r = redeem_ok(s, make_request(code));
    ck_assert(!r.replay);
    ck_assert_uint_eq(r.access_token.size(), 51);
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
        ck_assert(t.get(table::tokens, key_of(r.access_token).str()).has_value());
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

START_TEST(group_commit)
{
    temp_store ts;
    store &s = ts.get();
    std::string a = issue(s, make_code("u_a")), b = issue(s, make_code("u_b"));
    std::string c = issue(s, make_code("u_c"));
    int collected = 0;
    std::vector<redemption> out = redeem_codes(s,
        [&](std::vector<redemption_request> &reqs) {
            collected++;
            for (const std::string &code : {a, std::string(51, 'A'), b, c, b}) {
                reqs.push_back(make_request(code));
            }
        });
    ck_assert_int_eq(collected, 1);
    ck_assert_uint_eq(out.size(), 5);
    ck_assert(out[0].error == oauth_error::none);
    ck_assert_std_eq(out[0].token.user_id, "u_a");
    ck_assert(out[1].error == oauth_error::invalid_grant);
    ck_assert_std_eq(out[1].description, "unknown authorization code");
    ck_assert(out[2].error == oauth_error::none);
    ck_assert_std_eq(out[2].token.user_id, "u_b");
    ck_assert(out[3].error == oauth_error::none);
    ck_assert_std_eq(out[3].token.user_id, "u_c");
    /* b again, later in the same commit: a replay, which revokes what the
     * first use of b got (RFC 6749 §4.1.2), and nothing else */
    ck_assert(out[4].error == oauth_error::invalid_grant);
    ck_assert(out[4].replay);
    ck_assert(!find_access_token(s, out[2].access_token, 1020));
    ck_assert(find_access_token(s, out[0].access_token, 1020).has_value());
    ck_assert(find_access_token(s, out[3].access_token, 1020).has_value());
    ck_assert_std_ne(out[0].access_token, out[3].access_token);

    /* the vector form answers the same way */
    std::string d = issue(s, make_code("u_d"));
    auto again = redeem_codes(s, {make_request(d), make_request(a)});
    ck_assert_uint_eq(again.size(), 2);
    ck_assert_std_eq(again[0].token.user_id, "u_d");
    ck_assert(again[1].replay);
}
END_TEST

START_TEST(group_commit_store_full)
{
    temp_store ts(256 << 10);
    store &s = ts.get();
    std::vector<std::string> codes;
    for (int i = 0; i < 40; i++) {
        codes.push_back(issue(s, make_code("u_" + std::to_string(i))));
    }
    fill_store(s);
    auto out = redeem_codes(s, [&](std::vector<redemption_request> &r) {
        for (const std::string &code : codes) {
            r.push_back(make_request(code));
        }
    });
    ck_assert_uint_eq(out.size(), codes.size());
    for (const redemption &r : out) {
        ck_assert(r.store_full);
        ck_assert(r.error == oauth_error::temporarily_unavailable);
        ck_assert_std_eq(r.access_token, "");
    }
    /* nothing was kept: no token, no grant, every code still unused */
    ck_assert_uint_eq(entries(s, table::tokens), 0);
    ck_assert_uint_eq(entries(s, table::grants), 0);
    ck_assert_uint_eq(entries(s, table::codes), codes.size());
    /* make room and the codes are still good (one
     * deletion per transaction: LMDB reuses a page only two transactions
     * after the one that freed it) */
    for (int i = 0;; i++) {
        txn t = s.begin_write();
        if (!t.del(table::meta, "filler" + std::to_string(i))) {
            break;
        }
        t.commit();
    }
    std::vector<redemption_request> again;
    for (const std::string &code : codes) {
        again.push_back(make_request(code));
    }
    for (const redemption &later : redeem_codes(s, again)) {
        ck_assert_msg(later.error == oauth_error::none, "%s",
                      later.description.c_str());
    }
    ck_assert_uint_eq(entries(s, table::grants), codes.size());
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

Suite *
codes_suite()
{
    Suite *s = suite_create("codes");
    TCase *tc = tcase_create("redeem");
    tcase_add_test(tc, issue_and_redeem);
    tcase_add_test(tc, group_commit);
    tcase_add_test(tc, group_commit_store_full);
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
    return s;
}
