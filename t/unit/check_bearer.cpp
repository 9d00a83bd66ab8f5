/*
 * bearer.h: the Authorization header (RFC 6750 §2.1) and the answer of
 * the bearer check (§3). Bad syntax is 400 invalid_request (security.md
 * row 40: "pick one and document it"). The scopes a location requires:
 * 403 insufficient_scope naming them (§3.1).
 */
#include "bearer.h"
#include "scope.h"
#include "codes.h"
#include "revocation.h"
#include "sessions.h"
#include "sweep.h"
#include "tokens.h"
#include "helpers.h"
#include "suites.h"

using namespace seam;

namespace {

bearer_header
parse(std::optional<std::string_view> header, std::string *token = nullptr)
{
    std::string_view out = "untouched";
    bearer_header h = parse_bearer(header, out);
    if (token) {
        *token = std::string(out);
    }
    return h;
}

/* A store with one live token; returns it. */
std::string
live_token(store &s, uint64_t now, const std::string &scope = "devices")
{
    return redeem_fresh_code(s, "u_1", scope, now, now, 30 * 86400)
        .access_token;
}

}  // namespace

START_TEST(parse_ok)
{
    std::string tok;
    ck_assert(parse("Bearer abc", &tok) == bearer_header::token);
    ck_assert_std_eq(tok, "abc");
    ck_assert(parse("bearer abc", &tok) == bearer_header::token);
    ck_assert_std_eq(tok, "abc");
    ck_assert(parse("BEARER abc", &tok) == bearer_header::token);
    ck_assert(parse("bEaReR abc", &tok) == bearer_header::token);
    /* every b64token character, then '=' padding */
    ck_assert(parse("Bearer AZaz09-._~+/==", &tok) == bearer_header::token);
    ck_assert_std_eq(tok, "AZaz09-._~+/==");
    ck_assert(parse("Bearer a=", &tok) == bearer_header::token);
    ck_assert_std_eq(tok, "a=");
    /* 512 characters is the limit */
    ck_assert(parse("Bearer " + std::string(512, 'a'), &tok)
              == bearer_header::token);
    ck_assert_uint_eq(tok.size(), 512);
}
END_TEST

START_TEST(parse_token_views_header)
{
    std::string header = "Bearer xyz";
    std::string_view out;
    ck_assert(parse_bearer(std::string_view(header), out)
              == bearer_header::token);
    ck_assert_ptr_eq(out.data(), header.data() + 7);
    ck_assert_uint_eq(out.size(), 3);
}
END_TEST

START_TEST(parse_missing)
{
    std::string tok;
    ck_assert(parse(std::nullopt, &tok) == bearer_header::missing);
    ck_assert_std_eq(tok, "untouched");
}
END_TEST

START_TEST(parse_other_scheme)
{
    std::string tok;
    ck_assert(parse("Basic x", &tok) == bearer_header::other_scheme);
    ck_assert_std_eq(tok, "untouched");
    ck_assert(parse("Basic dXNlcjpwYXNz") == bearer_header::other_scheme);
    ck_assert(parse("Bearerx abc") == bearer_header::other_scheme);
    ck_assert(parse("Beare abc") == bearer_header::other_scheme);
    ck_assert(parse("Digest") == bearer_header::other_scheme);
}
END_TEST

START_TEST(parse_malformed)
{
    const char *bad[] = {
        "Bearer",            /* no token */
        "Bearer ",
        "Bearer  abc",       /* two spaces */
        "Bearer abc ",       /* trailing space */
        "Bearer abc def",    /* trailing garbage */
        "Bearer abc,def",
        "Bearer abc;def",
        "Bearer abc\"",
        "Bearer \xc3\xa9t\xc3\xa9",
        "Bearer abc\xc3\xa9",
        "Bearer =abc",       /* padding first */
        "Bearer ab=c",       /* padding in the middle */
        "Bearer abc\r\n",
        "Bearer abc\t",
        "",
        " Bearer abc",
    };
    for (const char *h : bad) {
        std::string tok;
        ck_assert_msg(parse(h, &tok) == bearer_header::malformed,
                      "\"%s\" was not malformed", printable(h).c_str());
        ck_assert_std_eq(tok, "untouched");
    }
    ck_assert(parse(std::string_view("Bearer ab\0c", 11))
              == bearer_header::malformed);
    ck_assert(parse("Bearer " + std::string(513, 'a'))
              == bearer_header::malformed);
    ck_assert(parse("Bearer " + std::string(600, '='))
              == bearer_header::malformed);
}
END_TEST

START_TEST(challenge_strings)
{
    ck_assert_std_eq(bearer_challenge("seam-oauth", oauth_error::none),
                     "Bearer realm=\"seam-oauth\"");
    ck_assert_std_eq(bearer_challenge("r", oauth_error::invalid_token),
                     "Bearer realm=\"r\", error=\"invalid_token\"");
    ck_assert_std_eq(bearer_challenge("r", oauth_error::invalid_request),
                     "Bearer realm=\"r\", error=\"invalid_request\"");
    /* RFC 6750 §3: the scope that is needed */
    ck_assert_std_eq(
        bearer_challenge("r", oauth_error::insufficient_scope, "a b"),
        "Bearer realm=\"r\", error=\"insufficient_scope\", scope=\"a b\"");
    ck_assert_std_eq(
        bearer_challenge("r", oauth_error::insufficient_scope, ""),
        "Bearer realm=\"r\", error=\"insufficient_scope\"");
}
END_TEST

START_TEST(scopes_held)
{
    /* nothing required */
    ck_assert(scope_within("", ""));
    ck_assert(scope_within("", "devices"));
    /* each required scope, in any order */
    ck_assert(scope_within("devices", "devices"));
    ck_assert(scope_within("a", "a b c"));
    ck_assert(scope_within("c", "a b c"));
    ck_assert(scope_within("c a", "a b c"));
    ck_assert(scope_within("a b c", "a b c"));
    ck_assert(scope_within("intercoms:unlock", "intercoms:unlock devices"));
    /* empty scope-tokens in the requirement are skipped */
    ck_assert(scope_within("a  b", "a b"));
    ck_assert(scope_within(" a ", "a"));
    /* one missing is enough to fail */
    ck_assert(!scope_within("a", ""));
    ck_assert(!scope_within("a b", "a"));
    ck_assert(!scope_within("b c", "a b"));
    /* whole scope-tokens, not prefixes or substrings */
    ck_assert(!scope_within("device", "devices"));
    ck_assert(!scope_within("devices", "device"));
    ck_assert(!scope_within("intercoms:unlock", "intercoms"));
    ck_assert(!scope_within("intercoms", "intercoms:unlock"));
    ck_assert(!scope_within("a", "ab"));
    ck_assert(!scope_within("b", "a_b"));
    /* case matters (RFC 6749 §3.3) */
    ck_assert(!scope_within("devices", "Devices"));
}
END_TEST

START_TEST(check_statuses)
{
    temp_store ts;
    store &s = ts.get();
    std::string token = live_token(s, 1000);

    /* a live token: 204, no challenge, the token's record */
    bearer_result r = check_bearer(s, "Bearer " + token, "seam-oauth", 1001);
    ck_assert_int_eq(r.status, 204);
    ck_assert(r.error == oauth_error::none);
    ck_assert_std_eq(r.challenge, "");
    ck_assert_std_eq(r.token.user_id, "u_1");
    ck_assert_std_eq(r.token.client_id, "seam");
    ck_assert_std_eq(r.token.scope, "devices");
    ck_assert(check_bearer(s, "bearer " + token, "seam-oauth", 1001).status
              == 204);

    /* no header: 401, the challenge without an error */
    r = check_bearer(s, std::nullopt, "seam-oauth", 1001);
    ck_assert_int_eq(r.status, 401);
    ck_assert(r.error == oauth_error::none);
    ck_assert_std_eq(r.challenge, "Bearer realm=\"seam-oauth\"");

    /* another scheme: 401 with the Bearer challenge */
    r = check_bearer(s, "Basic " + token, "seam-oauth", 1001);
    ck_assert_int_eq(r.status, 401);
    ck_assert(r.error == oauth_error::none);
    ck_assert_std_eq(r.challenge, "Bearer realm=\"seam-oauth\"");

    /* bad syntax: 400 invalid_request */
    r = check_bearer(s, "Bearer  " + token, "seam-oauth", 1001);
    ck_assert_int_eq(r.status, 400);
    ck_assert(r.error == oauth_error::invalid_request);
    ck_assert_std_eq(r.challenge,
                     "Bearer realm=\"seam-oauth\", error=\"invalid_request\"");
    ck_assert_std_eq(r.token.user_id, "");

    /* unknown: 401 invalid_token */
    r = check_bearer(s, "Bearer unknown", "seam-oauth", 1001);
    ck_assert_int_eq(r.status, 401);
    ck_assert(r.error == oauth_error::invalid_token);
    ck_assert_std_eq(r.challenge,
                     "Bearer realm=\"seam-oauth\", error=\"invalid_token\"");
    /* a prefix of the real one */
    r = check_bearer(s, "Bearer " + token.substr(0, 42), "seam-oauth", 1001);
    ck_assert_int_eq(r.status, 401);

    /* expired: 401 invalid_token */
    r = check_bearer(s, "Bearer " + token, "seam-oauth", 1000 + 3600);
    ck_assert_int_eq(r.status, 401);
    ck_assert(r.error == oauth_error::invalid_token);
    ck_assert_std_eq(r.token.user_id, "");
}
END_TEST

/* The module keeps one result for all of a worker's checks: each check
 * starts afresh, and a denial shows nothing of the token before it. */
START_TEST(check_reused_result)
{
    temp_store ts;
    store &s = ts.get();
    std::string a = live_token(s, 1000, "devices");
    std::string b = live_token(s, 1000, "intercoms:read intercoms:unlock");
    bearer_result r;

    check_bearer(s, "Bearer " + b, "r", 1001, {}, r);
    ck_assert_int_eq(r.status, 204);
    ck_assert_std_eq(r.token.scope, "intercoms:read intercoms:unlock");

    check_bearer(s, "Bearer " + a, "r", 1001, {}, r);
    ck_assert_int_eq(r.status, 204);
    ck_assert_std_eq(r.token.scope, "devices");
    ck_assert_std_eq(r.token.user_id, "u_1");
    ck_assert_std_eq(r.challenge, "");

    check_bearer(s, "Bearer unknown", "r", 1001, {}, r);
    ck_assert_int_eq(r.status, 401);
    ck_assert(r.error == oauth_error::invalid_token);
    ck_assert_std_eq(r.token.user_id, "");
    ck_assert_std_eq(r.token.scope, "");
    ck_assert_std_eq(r.token.grant_id, "");

    check_bearer(s, "Bearer " + b, "r", 1001, "devices", r);
    ck_assert_int_eq(r.status, 403);
    ck_assert(r.error == oauth_error::insufficient_scope);

    check_bearer(s, "Bearer " + b, "r", 1001, {}, r);
    ck_assert_int_eq(r.status, 204);
    ck_assert(r.error == oauth_error::none);
    ck_assert_std_eq(r.challenge, "");

    /* expired: denied, and the record read is not handed out */
    check_bearer(s, "Bearer " + a, "r", 1000 + 3600, {}, r);
    ck_assert_int_eq(r.status, 401);
    ck_assert_std_eq(r.token.scope, "");
}
END_TEST

START_TEST(check_revoked)
{
    temp_store ts;
    store &s = ts.get();
    std::string token = live_token(s, 1000);
    ck_assert_int_eq(check_bearer(s, "Bearer " + token, "r", 1001).status,
                     204);
    ck_assert_uint_eq(revoke_user_grants(s, "u_1"), 1);
    bearer_result r = check_bearer(s, "Bearer " + token, "r", 1001);
    ck_assert_int_eq(r.status, 401);
    ck_assert(r.error == oauth_error::invalid_token);
}
END_TEST

START_TEST(check_scopes)
{
    temp_store ts;
    store &s = ts.get();
    std::string token = live_token(s, 1000, "devices intercoms:unlock");
    std::string header = "Bearer " + token;

    /* every required scope granted: 204 */
    for (const char *ok : {"", "devices", "intercoms:unlock",
                           "intercoms:unlock devices"})
    {
        bearer_result r = check_bearer(s, header, "r", 1001, ok);
        ck_assert_msg(r.status == 204, "status %d for \"%s\"", r.status,
                      ok);
        ck_assert(r.error == oauth_error::none);
        ck_assert_std_eq(r.challenge, "");
        ck_assert_std_eq(r.token.scope, "devices intercoms:unlock");
    }

    /* RFC 6750 §3.1: 403 insufficient_scope, naming what is needed */
    bearer_result r = check_bearer(s, header, "r", 1001, "access_codes");
    ck_assert_int_eq(r.status, 403);
    ck_assert(r.error == oauth_error::insufficient_scope);
    ck_assert_std_eq(r.challenge,
                     "Bearer realm=\"r\", error=\"insufficient_scope\", "
                     "scope=\"access_codes\"");
    r = check_bearer(s, header, "seam-oauth", 1001, "devices access_codes");
    ck_assert_int_eq(r.status, 403);
    ck_assert_std_eq(r.challenge,
                     "Bearer realm=\"seam-oauth\", "
                     "error=\"insufficient_scope\", "
                     "scope=\"devices access_codes\"");
    ck_assert_int_eq(check_bearer(s, header, "r", 1001, "intercoms").status,
                     403);

    /* a dead token is 401 invalid_token whatever the scope */
    r = check_bearer(s, header, "r", 1000 + 3600, "access_codes");
    ck_assert_int_eq(r.status, 401);
    ck_assert(r.error == oauth_error::invalid_token);
    ck_assert_std_eq(r.challenge,
                     "Bearer realm=\"r\", error=\"invalid_token\"");
    r = check_bearer(s, "Bearer unknown", "r", 1001, "devices");
    ck_assert_int_eq(r.status, 401);
    ck_assert(r.error == oauth_error::invalid_token);
    /* no header: 401 without an error or a scope */
    r = check_bearer(s, std::nullopt, "r", 1001, "devices");
    ck_assert_int_eq(r.status, 401);
    ck_assert_std_eq(r.challenge, "Bearer realm=\"r\"");

    /* a token without scope passes only where none is required */
    std::string bare = "Bearer " + live_token(s, 1000, "");
    ck_assert_int_eq(check_bearer(s, bare, "r", 1001).status, 204);
    ck_assert_int_eq(check_bearer(s, bare, "r", 1001, "devices").status, 403);
}
END_TEST

/* The denial carried from the check to the denied location, and what a
 * client gets for it (RFC 6750 §3). */
START_TEST(denials)
{
    bearer_result r;
    r.status = 403;
    r.error = oauth_error::insufficient_scope;
    r.challenge = bearer_challenge("seam-oauth", r.error, "a:b");
    std::string buf(denial_size(r), '\0');
    ck_assert(write_denial(buf.data(), r) == buf.data() + buf.size());
    ck_assert_std_eq(buf, "403 insufficient_scope " + r.challenge);
    ck_assert_std_eq(std::string(denial_challenge(buf)), r.challenge);

    http_answer a = denial_answer(buf, "seam-oauth");
    ck_assert_int_eq(a.status, 403);
    ck_assert_std_eq(a.body, "{\"error\":\"insufficient_scope\"}");
    ck_assert_std_eq(a.headers.at(0).second, r.challenge);
    ck_assert_std_eq(a.headers.at(1).second, "no-store");

    /* no error code: a 401 without error= */
    r.status = 401;
    r.error = oauth_error::none;
    r.challenge = bearer_challenge("seam-oauth", r.error);
    buf.assign(denial_size(r), '\0');
    write_denial(buf.data(), r);
    ck_assert_std_eq(buf, "401 - Bearer realm=\"seam-oauth\"");
    a = denial_answer(buf, "seam-oauth");
    ck_assert_int_eq(a.status, 401);
    ck_assert_std_eq(a.body, "{\"error\":\"unauthorized\"}");

    /* none at all: the 401 or 403 was nginx's own (deny, limit_except),
     * not about the token: 403, no challenge */
    a = denial_answer("", "r");
    ck_assert_int_eq(a.status, 403);
    ck_assert_std_eq(a.body, "{\"error\":\"forbidden\"}");
    ck_assert_uint_eq(a.headers.size(), 1);
    ck_assert_std_eq(a.headers.at(0).first, "Cache-Control");

    /* garbled: the plain challenge */
    for (const char *garbled : {"40", "abc def ghi", "4x1 - c", "401"}) {
        a = denial_answer(garbled, "r");
        ck_assert_int_eq(a.status, 401);
        ck_assert_std_eq(a.headers.at(0).second, "Bearer realm=\"r\"");
    }
}
END_TEST

/* Only a scope of RFC 6749 §3.3's characters is named in a challenge: a
 * required scope may come from a variable. */
START_TEST(challenge_scope_plain)
{
    ck_assert_std_eq(bearer_challenge("r", oauth_error::insufficient_scope,
                                      "a b:c"),
                     "Bearer realm=\"r\", error=\"insufficient_scope\", "
                     "scope=\"a b:c\"");
    for (const char *bad : {"a\r\nX-Evil: 1", "a\"b", "a\\b", "caf\xc3\xa9",
                            "a\tb"})
    {
        ck_assert_std_eq(bearer_challenge("r", oauth_error::insufficient_scope,
                                          bad),
                         "Bearer realm=\"r\", error=\"insufficient_scope\"");
    }
}
END_TEST

Suite *
bearer_suite()
{
    Suite *s = suite_create("bearer");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, parse_ok);
    tcase_add_test(tc, parse_token_views_header);
    tcase_add_test(tc, parse_missing);
    tcase_add_test(tc, parse_other_scheme);
    tcase_add_test(tc, parse_malformed);
    tcase_add_test(tc, challenge_strings);
    tcase_add_test(tc, denials);
    tcase_add_test(tc, challenge_scope_plain);
    tcase_add_test(tc, scopes_held);
    suite_add_tcase(s, tc);

    tc = tcase_create("check");
    tcase_add_test(tc, check_statuses);
    tcase_add_test(tc, check_reused_result);
    tcase_add_test(tc, check_revoked);
    tcase_add_test(tc, check_scopes);
    suite_add_tcase(s, tc);
    return s;
}
