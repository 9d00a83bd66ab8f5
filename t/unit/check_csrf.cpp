/*
 * csrf.h: the token that binds a login or consent form to its
 * authorization request and cookie (RFC 6749 §10.12), and the verdict on
 * where a form POST came from (Origin, Sec-Fetch-Site) as real browsers
 * send them.
 */
#include "csrf.h"
#include "crypto.h"
#include "codes.h"
#include "revocation.h"
#include "sessions.h"
#include "sweep.h"
#include "tokens.h"
#include "authorize_fixtures.h"
#include "helpers.h"
#include "suites.h"

using namespace seam;

namespace {

const char *const good_uri = "https://x.integrations.getseam.com/cb?session=1";

oauth_config
make_config()
{
    return authorize_config();
}

const std::string challenge =
    s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");

authorization_request
csrf_request(const oauth_config &config)
{
    authorization_request r;
    r.client = config.find("seam");
    r.redirect_uri = good_uri;
    r.redirect_to = good_uri;
    r.state = "st";
    r.scope = "devices";
    return r;
}

}  // namespace

START_TEST(csrf_round_trip)
{
    oauth_config config = make_config();
    authorization_request r = csrf_request(config);
    std::string key(32, 'k'), nonce = "nonce-1";
    std::string token = csrf_token(key, nonce, 1000, r);
    ck_assert_contains(token, "1000.");
    ck_assert(csrf_valid(key, nonce, token, 1000, 900, r));
    ck_assert(csrf_valid(key, nonce, token, 1900, 900, r));
    /* expired */
    ck_assert(!csrf_valid(key, nonce, token, 1901, 900, r));
    /* from the future beyond the 60 s allowance */
    ck_assert(csrf_valid(key, nonce, token, 940, 900, r));
    ck_assert(!csrf_valid(key, nonce, token, 939, 900, r));
}
END_TEST

START_TEST(csrf_bound_to_everything)
{
    oauth_config config = make_config();
    authorization_request r = csrf_request(config);
    std::string key(32, 'k'), nonce = "nonce-1";
    std::string token = csrf_token(key, nonce, 1000, r);

    ck_assert(!csrf_valid(std::string(32, 'K'), nonce, token, 1000, 900, r));
    ck_assert(!csrf_valid(key, "nonce-2", token, 1000, 900, r));
    ck_assert(!csrf_valid(key, "", token, 1000, 900, r));

    authorization_request other = r;
    other.state = "st2";
    ck_assert(!csrf_valid(key, nonce, token, 1000, 900, other));
    other = r;
    other.redirect_uri = "https://y.integrations.getseam.com/cb";
    ck_assert(!csrf_valid(key, nonce, token, 1000, 900, other));
    other = r;
    other.scope = "devices access_codes";
    ck_assert(!csrf_valid(key, nonce, token, 1000, 900, other));
    other = r;
    other.code_challenge = challenge;
    ck_assert(!csrf_valid(key, nonce, token, 1000, 900, other));
    other = r;
    other.client = config.find("quick");
    ck_assert(!csrf_valid(key, nonce, token, 1000, 900, other));

    /* length-prefixed fields: moving a byte from one to the next is a
     * different request */
    other = r;
    other.state = "s";
    other.scope = "tdevices";
    ck_assert(!csrf_valid(key, nonce, token, 1000, 900, other));
}
END_TEST

START_TEST(csrf_tampered)
{
    oauth_config config = make_config();
    authorization_request r = csrf_request(config);
    std::string key(32, 'k'), nonce = "n";
    std::string token = csrf_token(key, nonce, 1000, r);
    std::string mac = token.substr(token.find('.') + 1);

    /* a later issued-at with the old MAC */
    ck_assert(!csrf_valid(key, nonce, "1800." + mac, 1800, 900, r));
    /* MAC changed in one character */
    std::string flipped = token;
    flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
    ck_assert(!csrf_valid(key, nonce, flipped, 1000, 900, r));
    ck_assert(!csrf_valid(key, nonce, token + "A", 1000, 900, r));
    ck_assert(!csrf_valid(key, nonce, "", 1000, 900, r));
    ck_assert(!csrf_valid(key, nonce, mac, 1000, 900, r));
    ck_assert(!csrf_valid(key, nonce, "." + mac, 1000, 900, r));
    ck_assert(!csrf_valid(key, nonce, "1000", 1000, 900, r));
    ck_assert(!csrf_valid(key, nonce, "1000.", 1000, 900, r));
    ck_assert(!csrf_valid(key, nonce, "+1000." + mac, 1000, 900, r));
    ck_assert(!csrf_valid(key, nonce, std::string(25, '9') + "." + mac,
                          1000, 900, r));
}
END_TEST

/* ---- where a form POST came from ------------------------------------- */

namespace {

source_verdict
judge(std::optional<std::string_view> origin,
      std::optional<std::string_view> fetch_site = std::nullopt,
      std::string_view host = "auth.example.com",
      std::string_view issuer = "")
{
    form_source s;
    s.origin = origin;
    s.fetch_site = fetch_site;
    s.host = host;
    s.issuer = issuer;
    return judge_form_source(s);
}

}  // namespace

/* What Chromium and Firefox send on the form's POST back to its page,
 * under the pages' Referrer-Policy: same-origin. */
START_TEST(source_same_origin)
{
    ck_assert(judge("https://auth.example.com", "same-origin")
              == source_verdict::same_origin);
    ck_assert(judge("http://auth.example.com") == source_verdict::same_origin);
    ck_assert(judge("https://auth.example.com:8443", std::nullopt,
                    "auth.example.com:8443")
              == source_verdict::same_origin);
    /* behind a proxy that rewrites Host: the configured issuer counts */
    ck_assert(judge("https://auth.example.com", "same-origin", "10.0.0.5:80",
                    "https://auth.example.com")
              == source_verdict::same_origin);
    ck_assert(judge("https://auth.example.com", std::nullopt, "10.0.0.5",
                    "https://auth.example.com/oauth")
              == source_verdict::same_origin);
}
END_TEST

/* No word from the browser: curl, OAuth libraries, an old browser, or
 * "Origin: null" (a no-referrer policy, a sandboxed frame, a redirect
 * across origins): the CSRF token decides. */
START_TEST(source_unknown)
{
    ck_assert(judge(std::nullopt) == source_verdict::unknown);
    ck_assert(judge("null") == source_verdict::unknown);
    ck_assert(judge("null", "same-origin") == source_verdict::unknown);
    ck_assert(judge(std::nullopt, "same-origin") == source_verdict::unknown);
    /* "none": the user's own navigation, no site at all */
    ck_assert(judge(std::nullopt, "none") == source_verdict::unknown);
}
END_TEST

START_TEST(source_cross_site)
{
    ck_assert(judge("https://evil.example") == source_verdict::cross_site);
    ck_assert(judge("https://auth.example.com.evil.example")
              == source_verdict::cross_site);
    ck_assert(judge("https://evil-auth.example.com")
              == source_verdict::cross_site);
    ck_assert(judge("https://auth.example.com:444")
              == source_verdict::cross_site);
    ck_assert(judge("https://auth.example.co") == source_verdict::cross_site);
    /* not an origin's shape: a path, userinfo, another scheme, junk */
    ck_assert(judge("https://auth.example.com/") == source_verdict::cross_site);
    ck_assert(judge("https://x@auth.example.com")
              == source_verdict::cross_site);
    ck_assert(judge("ftp://auth.example.com") == source_verdict::cross_site);
    ck_assert(judge("auth.example.com") == source_verdict::cross_site);
    ck_assert(judge("") == source_verdict::cross_site);
    ck_assert(judge("Null") == source_verdict::cross_site);
    /* Sec-Fetch-Site outranks Origin: the forms are never on another site */
    ck_assert(judge("null", "cross-site") == source_verdict::cross_site);
    ck_assert(judge(std::nullopt, "cross-site") == source_verdict::cross_site);
    ck_assert(judge("https://auth.example.com", "same-site")
              == source_verdict::cross_site);
    ck_assert(judge(std::nullopt, "same-site") == source_verdict::cross_site);
    /* an issuer that is not a URL names no origin */
    ck_assert(judge("https://evil.example", std::nullopt, "auth.example.com",
                    "evil.example")
              == source_verdict::cross_site);
    /* no Host at all: only the issuer can make it same-origin */
    ck_assert(judge("https://auth.example.com", std::nullopt, "")
              == source_verdict::cross_site);
}
END_TEST

/* The server key: made once, the same for every worker and restart. */
START_TEST(server_key_kept)
{
    temp_store ts;
    std::string key = load_server_key(ts.get());
    ck_assert_uint_eq(key.size(), 32);
    ck_assert_std_eq(load_server_key(ts.get()), key);
    txn t = ts.get().begin_read();
    ck_assert_std_eq(std::string(t.get(table::meta, "csrf_key").value_or("")),
                     key);
    temp_store other;
    ck_assert_std_ne(load_server_key(other.get()), key);
}
END_TEST

Suite *
csrf_suite()
{
    Suite *s = suite_create("csrf");
    TCase *tc = tcase_create("token");
    tcase_add_test(tc, csrf_round_trip);
    tcase_add_test(tc, csrf_bound_to_everything);
    tcase_add_test(tc, csrf_tampered);
    tcase_add_test(tc, server_key_kept);
    suite_add_tcase(s, tc);

    tc = tcase_create("source");
    tcase_add_test(tc, source_same_origin);
    tcase_add_test(tc, source_unknown);
    tcase_add_test(tc, source_cross_site);
    suite_add_tcase(s, tc);
    return s;
}
