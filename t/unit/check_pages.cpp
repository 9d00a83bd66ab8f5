/*
 * pages.h: the security headers of pages and redirects (RFC 9700 §4.16,
 * §4.2.4, §4.12; security.md items 7, 8, 27, 28), the fields a form
 * carries, the CSRF cookie, and the 429 of a lock.
 */
#include "authorize_fixtures.h"
#include "csrf.h"
#include "suites.h"

#include <algorithm>

using namespace seam;

namespace {

authorization_request
request_of(const oauth_config &config)
{
    authorization_request r;
    r.client = config.find("seam");
    r.redirect_uri = seam_redirect;
    r.redirect_to = seam_redirect;
    r.state = "st <1>";
    r.scope = "devices access_codes";
    return r;
}

form_context
form_of(const authorize_fixture &f, std::string_view nonce = "")
{
    form_context c;
    c.config = &f.config;
    c.pages = &authorize_pages();
    c.server_key = f.key;
    c.nonce = nonce;
    c.now = 1000;
    c.action = "/authorize";
    c.cookies.path = "/authorize";
    return c;
}

}  // namespace

START_TEST(page_headers)
{
    http_answer a;
    add_page_headers(a);
    ck_assert_std_eq(header_of(a, "X-Frame-Options").value_or(""), "DENY");
    ck_assert_contains(header_of(a, "Content-Security-Policy").value_or(""),
                       "frame-ancestors 'none'");
    ck_assert_contains(header_of(a, "Content-Security-Policy").value_or(""),
                       "default-src 'none'");
    /* Chromium applies form-action to the redirect after the POST */
    ck_assert_not_contains(
        header_of(a, "Content-Security-Policy").value_or(""), "form-action");
    ck_assert_std_eq(header_of(a, "Referrer-Policy").value_or(""),
                     "same-origin");
    ck_assert_std_eq(header_of(a, "Cache-Control").value_or(""), "no-store");

    http_answer r = redirect_to("https://c.example/cb?code=x", "a=b");
    ck_assert_int_eq(r.status, 303);
    ck_assert_std_eq(header_of(r, "Location").value_or(""),
                     "https://c.example/cb?code=x");
    ck_assert_std_eq(header_of(r, "Set-Cookie").value_or(""), "a=b");
    ck_assert_std_eq(header_of(r, "Referrer-Policy").value_or(""),
                     "no-referrer");
    ck_assert_std_eq(header_of(r, "X-Frame-Options").value_or(""), "DENY");
    ck_assert(!header_of(redirect_to("https://c.example/"), "Set-Cookie"));
}
END_TEST

START_TEST(error_pages)
{
    http_answer a = error_page(authorize_pages(), 400, "No <b>.");
    ck_assert_int_eq(a.status, 400);
    ck_assert_std_eq(a.content_type, "text/html; charset=utf-8");
    ck_assert_std_eq(field_of(a, "title").value_or(""), "Cannot continue");
    ck_assert_std_eq(field_of(a, "message").value_or(""), "No &lt;b&gt;.");
    ck_assert(!header_of(a, "Location"));
    ck_assert_std_eq(header_of(a, "Referrer-Policy").value_or(""),
                     "same-origin");
    ck_assert_std_eq(field_of(error_page(authorize_pages(), 403, "x"),
                              "title").value_or(""),
                     "Request refused");
}
END_TEST

START_TEST(login_pages)
{
    authorize_fixture f;
    authorization_request r = request_of(f.config);
    http_answer a = login_page(form_of(f), r, "o@example.com", "Wrong.");
    ck_assert_int_eq(a.status, 200);
    ck_assert_std_eq(field_of(a, "client_id").value_or(""), "seam");
    ck_assert_std_eq(field_of(a, "client_name").value_or(""), "Seam");
    ck_assert_std_eq(field_of(a, "state").value_or(""), "st &lt;1&gt;");
    ck_assert_std_eq(field_of(a, "scope").value_or(""),
                     "devices access_codes");
    ck_assert_std_eq(field_of(a, "scopes").value_or(""),
                     "See your devices\naccess_codes");
    ck_assert_std_eq(field_of(a, "response_type").value_or(""), "code");
    ck_assert_std_eq(field_of(a, "email").value_or(""), "o@example.com");
    ck_assert_std_eq(field_of(a, "error").value_or(""), "Wrong.");
    ck_assert_std_eq(field_of(a, "action").value_or(""), "/authorize");

    /* a new nonce in a Strict cookie, and the token bound to it */
    std::string cookie = header_of(a, "Set-Cookie").value_or("");
    ck_assert_contains(cookie, "seam_oauth_csrf=");
    ck_assert_contains(cookie, "; Path=/authorize; Max-Age=900; HttpOnly; "
                               "SameSite=Strict");
    std::string nonce = cookie.substr(16, csrf_nonce_chars);
    ck_assert_std_eq(cookie_value(nonce, csrf_nonce_chars), nonce);
    ck_assert(csrf_valid(f.key, nonce, field_of(a, "csrf_token").value_or(""),
                         1000, 900, r));

    /* a nonce the browser has is kept: two tabs do not clash */
    std::string kept(22, 'N');
    http_answer b = login_page(form_of(f, kept), r, "", "");
    ck_assert_contains(header_of(b, "Set-Cookie").value_or(""),
                       "seam_oauth_csrf=" + kept + ";");
    ck_assert(csrf_valid(f.key, kept, field_of(b, "csrf_token").value_or(""),
                         1000, 900, r));

    /* the lock's 429 (RFC 6585 §4) */
    http_answer c = login_page(form_of(f), r, "", "", 8);
    ck_assert_int_eq(c.status, 429);
    ck_assert_std_eq(header_of(c, "Retry-After").value_or(""), "8");
    ck_assert_std_eq(field_of(c, "error").value_or(""),
                     "Too many failed sign-ins. Try again in 8 seconds.");
}
END_TEST

START_TEST(consent_pages)
{
    authorize_fixture f;
    authorization_request r = request_of(f.config);
    r.prompt_consent = true;
    http_answer a = consent_page(form_of(f), r, "o@example.com",
                                 "seam_oauth_session=x");
    ck_assert_int_eq(a.status, 200);
    ck_assert(a.body.rfind("consent|", 0) == 0);
    ck_assert_std_eq(field_of(a, "scopes").value_or(""),
                     "See your devices\naccess_codes");
    ck_assert_std_eq(field_of(a, "prompt").value_or(""), "consent");
    std::vector<std::string> cookies = headers_of(a, "Set-Cookie");
    ck_assert_uint_eq(cookies.size(), 2);
    ck_assert_contains(cookies[0], "seam_oauth_csrf=");
    ck_assert_std_eq(cookies[1], "seam_oauth_session=x");
}
END_TEST

/* One list of the hidden fields: both forms carry them, both templates
 * may use them. */
START_TEST(fields)
{
    oauth_config config = authorize_config();
    authorization_request r = request_of(config);
    r.code_challenge = std::string(43, 'c');
    r.prompt_login = true;
    auto fields = form_fields(r);
    ck_assert_uint_eq(fields.size(), form_field_names().size());
    for (size_t i = 0; i < fields.size(); i++) {
        ck_assert_std_eq(fields[i].first, form_field_names()[i]);
        for (const auto *list : {&login_page_fields(), &consent_page_fields()})
        {
            ck_assert(std::find(list->begin(), list->end(), fields[i].first)
                      != list->end());
        }
    }
    ck_assert_std_eq(fields[5].first, "code_challenge_method");
    ck_assert_std_eq(fields[5].second, "S256");
    ck_assert_std_eq(fields.back().second, "login");
    /* the password is never a field of a page */
    for (const auto *list : {&login_page_fields(), &consent_page_fields(),
                             &error_page_fields()})
    {
        ck_assert(std::find(list->begin(), list->end(), "password")
                  == list->end());
    }
}
END_TEST

Suite *
pages_suite()
{
    Suite *s = suite_create("pages");
    TCase *tc = tcase_create("pages");
    tcase_add_test(tc, page_headers);
    tcase_add_test(tc, error_pages);
    tcase_add_test(tc, login_pages);
    tcase_add_test(tc, consent_pages);
    tcase_add_test(tc, fields);
    suite_add_tcase(s, tc);
    return s;
}
