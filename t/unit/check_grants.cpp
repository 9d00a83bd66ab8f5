/*
 * grants.h on a temporary LMDB store: codes issued, redeemed once (RFC
 * 6749 §4.1.2, §4.1.3), replay revoking the first token, PKCE (RFC 7636
 * §4.6) and its downgrade, refresh with and without rotation (§6, RFC
 * 9700 §4.14), revocation (RFC 7009), introspection (RFC 7662), sign-in
 * sessions and the sweep of expired records.
 */
#include "bearer.h"
#include "crypto.h"
#include "grants.h"
#include "helpers.h"
#include "secrets.h"
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

const std::string rotation_key(32, 'k');

/* A code redeemed at `now` (the code lives 1000..1060) with a refresh
 * token: the access token lives an hour, the refresh token a day. */
redemption
redeem_with_refresh(store &s, uint64_t now = 1010,
                    std::string scope = "devices access_codes",
                    std::string user = "u_1")
{
    code_record c = make_code(std::move(user));
    c.scope = std::move(scope);
    redemption_request req = make_request(issue(s, c), now);
    req.access_token_ttl = 3600;
    req.refresh_token_ttl = 86400;
    return redeem_ok(s, req);
}

refresh_request
make_refresh(const std::string &token, uint64_t now, bool rotate = false)
{
    refresh_request r;
    r.refresh_token = token;
    r.client_id = "seam";
    r.now = now;
    r.access_token_ttl = 3600;
    r.refresh_token_ttl = 86400;
    r.rotate = rotate;
    r.grace = 60;
    r.key = rotation_key;
    return r;
}

redemption
refresh_ok(store &s, const refresh_request &req)
{
    redemption r = refresh_grant(s, req);
    ck_assert_msg(r.error == oauth_error::none, "refresh failed: %s",
                  r.description.c_str());
    ck_assert(!r.replay);
    return r;
}

/* A refresh that must fail with `error`. */
redemption
refresh_fails(store &s, const refresh_request &req,
              oauth_error error = oauth_error::invalid_grant)
{
    redemption r = refresh_grant(s, req);
    ck_assert_msg(r.error == error, "refresh gave error %d, not %d: %s",
                  static_cast<int>(r.error), static_cast<int>(error),
                  r.description.c_str());
    ck_assert_std_eq(r.access_token, "");
    ck_assert_std_eq(r.refresh_token, "");
    return r;
}

std::optional<refresh_token_record>
refresh_record(store &s, const std::string &token)
{
    txn t = s.begin_read();
    auto v = t.get(table::refresh, key_of(token).str());
    return v ? decode_refresh_token(*v) : std::nullopt;
}

std::optional<grant_record>
grant_of(store &s, const std::string &grant_id)
{
    txn t = s.begin_read();
    auto v = t.get(table::grants, grant_id);
    return v ? decode_grant(*v) : std::nullopt;
}

/* An inactive introspection says nothing else (RFC 7662 §2.2). */
void
expect_inactive(const token_info &i)
{
    ck_assert(!i.active);
    ck_assert(!i.refresh);
    ck_assert_std_eq(i.client_id, "");
    ck_assert_std_eq(i.user_id, "");
    ck_assert_std_eq(i.scope, "");
    ck_assert(i.expires_at == 0);
}

/* What rotation at `rotated_at` (seconds) derives from the refresh token
 * it replaces: the rotation's time, then an HMAC of the old token. */
std::string
derived(const std::string &label, const std::string &refresh_token,
        uint64_t rotated_at, const std::string &key = rotation_key)
{
    std::string message = "seam-oauth rotation v1 " + label;
    message.push_back('\0');
    message += refresh_token;
    return make_secret(rotated_at * 1000, hmac_sha256(key, message));
}

}  // namespace

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

/* Several redemptions in one transaction (the module's group commit):
 * each request gets its own answer, in order, as if redeemed one by one. */
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

/* A commit that does not fit: every collected request is answered
 * temporarily_unavailable, none of them is half done, and the codes can
 * be redeemed once there is room. */
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

/* ---- refresh tokens (RFC 6749 §6) ------------------------------------ */

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
     * admin" or "devices  admin" would pass has_scopes(scope, "admin")
     * (bearer.h), which skips empty scope-tokens. */
    for (const char *bad : {" admin", "devices  admin", "devices admin ",
                            "devices \"admin", "devices\tadmin"})
    {
        refresh_request req = make_refresh(first.refresh_token, 2000);
        req.scope = bad;
        redemption r = refresh_grant(s, req);
        ck_assert_msg(!has_scopes(r.token.scope, "admin"),
                      "scope=\"%s\" on a grant of \"devices\" gave a token "
                      "with scope \"%s\", which has_scopes reads as "
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
grants_suite()
{
    Suite *s = suite_create("grants");
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

    tc = tcase_create("revoke");
    tcase_add_test(tc, revoke_by_hex);
    tcase_add_test(tc, revoke_by_user);
    tcase_add_test(tc, revoke_access_token);
    tcase_add_test(tc, revoke_refresh_token);
    suite_add_tcase(s, tc);

    tc = tcase_create("refresh");
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

    tc = tcase_create("introspect");
    tcase_add_test(tc, introspect_access);
    tcase_add_test(tc, introspect_refresh);
    suite_add_tcase(s, tc);

    tc = tcase_create("sessions");
    tcase_add_test(tc, session_round_trip);
    suite_add_tcase(s, tc);

    tc = tcase_create("sweep");
    tcase_add_test(tc, sweep);
    tcase_add_test(tc, sweep_in_small_batches);
    tcase_add_test(tc, sweep_after_replay);
    tcase_add_test(tc, sweep_refresh_keeps_grant);
    tcase_add_test(tc, sweep_rotated);
    tcase_add_test(tc, sweep_sessions);
    suite_add_tcase(s, tc);
    return s;
}
