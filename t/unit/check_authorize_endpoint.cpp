/*
 * authorize_endpoint.h: what each GET and POST of /authorize gets, without
 * nginx: our own page before the redirect_uri is known (RFC 6749
 * §4.1.2.1), redirects after it, the login and consent pages, CSRF first
 * on a POST (§10.12), and the answers once the thread pool's work is done.
 */
#include "authorize_fixtures.h"
#include "csrf.h"
#include "form.h"
#include "sessions.h"
#include "suites.h"

using namespace seam;
using next = authorize_step::next;

namespace {

std::string
query(std::initializer_list<std::pair<const char *, std::string>> pairs)
{
    std::string q;
    for (const auto &p : pairs) {
        q += (q.empty() ? "" : "&") + std::string(p.first) + "="
             + percent_encode(p.second);
    }
    return q;
}

const std::string seam_query = query({{"redirect_uri", seam_redirect},
                                      {"state", "st"}});

/* A browser's POST of the login form the fixture's GET rendered: its
 * hidden fields, the CSRF token, the cookie, and `extra`. */
struct form_post {
    std::string body;
    std::string nonce;
};

form_post
post_of(authorize_fixture &f, const std::string &get_query,
        std::initializer_list<std::pair<const char *, std::string>> extra)
{
    /* a fresh browser: no form cookie yet (nor a view of an old one) */
    f.env.csrf_nonce = {};
    authorize_step page = authorize_get(get_query, f.env);
    ck_assert(page.what == next::answer);
    form_post p;
    std::string cookie = header_of(page.answer, "Set-Cookie").value_or("");
    p.nonce = cookie.substr(16, csrf_nonce_chars);
    for (const char *name : {"client_id", "redirect_uri", "state", "scope",
                             "code_challenge", "code_challenge_method",
                             "response_type", "prompt", "csrf_token"})
    {
        std::string v = field_of(page.answer, name).value_or("");
        if (!v.empty()) {
            p.body += (p.body.empty() ? "" : "&") + std::string(name) + "="
                      + percent_encode(v);
        }
    }
    for (const auto &e : extra) {
        p.body += "&" + std::string(e.first) + "=" + percent_encode(e.second);
    }
    return p;
}

form_source
same_origin()
{
    form_source s;
    s.origin = "https://auth.example.com";
    s.fetch_site = "same-origin";
    s.host = "auth.example.com";
    return s;
}

std::string
location_of(const http_answer &a)
{
    ck_assert_int_eq(a.status, 303);
    return header_of(a, "Location").value_or("");
}

}  // namespace

START_TEST(get_errors)
{
    authorize_fixture f;
    /* before the redirect_uri is known: our page, never a redirect */
    for (const std::string &q :
         {query({{"redirect_uri", "https://evil.example/cb"}}),
          query({{"client_id", "nobody"}, {"redirect_uri", seam_redirect}}),
          seam_query + "&state=again", std::string("redirect_uri=%zz")})
    {
        authorize_step s = authorize_get(q, f.env);
        ck_assert(s.what == next::answer);
        ck_assert_int_eq(s.answer.status, 400);
        ck_assert(!header_of(s.answer, "Location"));
        ck_assert_std_eq(header_of(s.answer, "X-Frame-Options").value_or(""),
                         "DENY");
    }
    /* after it: back to the client with the error, the state and iss */
    authorize_step s = authorize_get(
        query({{"client_id", "quick"}, {"redirect_uri",
                                        "https://quick.example/cb"},
               {"response_type", "token"}, {"state", "s 1"}}),
        f.env);
    ck_assert_std_eq(location_of(s.answer),
                     "https://quick.example/cb?error=unsupported_response_type"
                     "&error_description=only%20response_type%3Dcode%20is"
                     "%20supported&state=s%201"
                     "&iss=https%3A%2F%2Fauth.example.com");
}
END_TEST

START_TEST(get_pages)
{
    authorize_fixture f;
    /* no session: the login page; the default scope is the request's */
    authorize_step s = authorize_get(seam_query, f.env);
    ck_assert(s.what == next::answer);
    ck_assert_int_eq(s.answer.status, 200);
    ck_assert(s.answer.body.rfind("login|", 0) == 0);
    ck_assert_std_eq(field_of(s.answer, "scope").value_or(""), "devices");
    ck_assert_std_eq(field_of(s.answer, "scopes").value_or(""),
                     "See your devices");

    /* prompt=none without a session */
    s = authorize_get(seam_query + "&prompt=none", f.env);
    ck_assert_contains(location_of(s.answer), "error=login_required");

    /* a session: the consent page, or the code at once (consent=off) */
    std::string cookie = *create_session(f.ts.get(),
                                         {2000, "u_1", "o@example.com", 900});
    f.env.session = cookie;
    s = authorize_get(seam_query, f.env);
    ck_assert(s.answer.body.rfind("consent|", 0) == 0);
    ck_assert_std_eq(field_of(s.answer, "email").value_or(""),
                     "o@example.com");
    s = authorize_get(seam_query + "&prompt=none", f.env);
    ck_assert_contains(location_of(s.answer), "error=consent_required");
    s = authorize_get(query({{"client_id", "quick"},
                             {"redirect_uri", "https://quick.example/cb"},
                             {"response_type", "code"}}),
                      f.env);
    ck_assert(s.what == next::issue_code);
    ck_assert_std_eq(s.user_id, "u_1");
    ck_assert_std_eq(s.request.client->id, "quick");
    /* when the owner gave its password: the session's time */
    ck_assert_uint_eq(s.authorized_ms, session_issued_ms(cookie));
    ck_assert_uint_gt(s.authorized_ms, 0);
    /* HEAD: the same answer's headers, and no code issued */
    f.env.head = true;
    s = authorize_get(query({{"client_id", "quick"},
                             {"redirect_uri", "https://quick.example/cb"},
                             {"response_type", "code"}}),
                      f.env);
    ck_assert(s.what == next::answer);
    ck_assert_int_eq(s.answer.status, 200);
    ck_assert(!header_of(s.answer, "Location"));
    ck_assert_std_eq(header_of(s.answer, "X-Frame-Options").value_or(""),
                     "DENY");
    f.env.head = false;
    /* prompt=login asks the password whatever the session */
    s = authorize_get(seam_query + "&prompt=login", f.env);
    ck_assert(s.answer.body.rfind("login|", 0) == 0);
    /* a session that is over, or a cookie of the wrong shape, is none */
    f.env.now = 2000;
    ck_assert(authorize_get(seam_query, f.env).answer.body.rfind("login|", 0)
              == 0);
    f.env.now = 1000;
    f.env.session = "not a cookie";
    ck_assert(authorize_get(seam_query, f.env).answer.body.rfind("login|", 0)
              == 0);
}
END_TEST

START_TEST(post_csrf_first)
{
    authorize_fixture f;
    form_post p = post_of(f, seam_query, {{"email", "o@example.com"},
                                          {"password", "pw"}});
    /* without the cookie, with another, with a cross-site source */
    authorize_step s = authorize_post(p.body, same_origin(), "192.0.2.1",
                                      f.env);
    ck_assert_int_eq(s.answer.status, 403);
    const std::string another(22, 'Z');
    f.env.csrf_nonce = another;
    ck_assert_int_eq(authorize_post(p.body, same_origin(), "192.0.2.1", f.env)
                         .answer.status, 403);
    f.env.csrf_nonce = p.nonce;
    form_source evil = same_origin();
    evil.origin = "https://evil.example";
    ck_assert_int_eq(authorize_post(p.body, evil, "192.0.2.1", f.env)
                         .answer.status, 403);
    form_source sibling = same_origin();
    sibling.fetch_site = "same-site";
    ck_assert_int_eq(authorize_post(p.body, sibling, "192.0.2.1", f.env)
                         .answer.status, 403);
    /* a field of the request changed: the token no longer matches */
    std::string changed = p.body;
    changed.replace(changed.find("state=st"), 8, "state=ss");
    ck_assert_int_eq(authorize_post(changed, same_origin(), "192.0.2.1",
                                    f.env).answer.status, 403);
    ck_assert_std_eq(field_of(authorize_post(changed, same_origin(), "1",
                                             f.env).answer,
                              "message").value_or(""),
                     std::string{message::forged});

    /* the right cookie, and no word from the browser: the token decides */
    s = authorize_post(p.body, form_source{}, "192.0.2.1", f.env);
    ck_assert(s.what == next::sign_in);
    ck_assert_std_eq(s.sign_in.email, "o@example.com");
    ck_assert_std_eq(s.sign_in.password, "pw");
    ck_assert_std_eq(s.sign_in.ip, "192.0.2.1");
    ck_assert_uint_eq(s.sign_in.now, 1000);
    ck_assert_std_eq(s.request.state, "st");
    ck_assert(authorize_post(p.body, same_origin(), "192.0.2.1", f.env).what
              == next::sign_in);
}
END_TEST

START_TEST(post_credentials_checked_cheaply_first)
{
    authorize_fixture f;
    for (const char *email : {"", "no-at-sign", "a@"}) {
        form_post p = post_of(f, seam_query, {{"email", email},
                                              {"password", "pw"}});
        f.env.csrf_nonce = p.nonce;
        authorize_step s = authorize_post(p.body, same_origin(), "1", f.env);
        ck_assert(s.what == next::answer);
        ck_assert_std_eq(field_of(s.answer, "error").value_or(""),
                         std::string{message::wrong_credentials});
    }
    form_post p = post_of(f, seam_query, {{"email", "o@example.com"},
                                          {"password",
                                           std::string(1025, 'p')}});
    f.env.csrf_nonce = p.nonce;
    ck_assert(authorize_post(p.body, same_origin(), "1", f.env).what
              == next::answer);
}
END_TEST

START_TEST(post_decisions)
{
    authorize_fixture f;
    auto decide = [&](const char *decision) {
        form_post p = post_of(f, seam_query, {{"decision", decision}});
        f.env.csrf_nonce = p.nonce;
        return authorize_post(p.body, same_origin(), "1", f.env);
    };
    /* no session: sign in again, never a code */
    authorize_step s = decide("approve");
    ck_assert(s.what == next::answer);
    ck_assert_std_eq(field_of(s.answer, "error").value_or(""),
                     std::string{message::session_expired});

    std::string cookie = *create_session(f.ts.get(),
                                         {2000, "u_1", "o@example.com", 900});
    f.env.session = cookie;
    s = decide("approve");
    ck_assert(s.what == next::issue_code);
    ck_assert_std_eq(s.user_id, "u_1");
    /* the decision is an event of its own, before the code's */
    ck_assert_uint_eq(s.answer.events.size(), 1);
    ck_assert(s.answer.events[0].kind == event_kind::consent_approved);
    ck_assert_std_eq(s.answer.events[0].user_id, "u_1");
    ck_assert_std_eq(s.answer.events[0].client_id, "seam");
    s = decide("deny");
    ck_assert_contains(location_of(s.answer),
                       "?session=1&error=access_denied&");
    ck_assert_contains(location_of(s.answer), "&state=st&");
    ck_assert_uint_eq(s.answer.events.size(), 1);
    ck_assert(s.answer.events[0].kind == event_kind::consent_denied);
    ck_assert_std_eq(s.answer.events[0].user_id, "u_1");
    s = decide("maybe");
    ck_assert_int_eq(s.answer.status, 400);
}
END_TEST

START_TEST(answers)
{
    authorize_fixture f;
    authorization_request req = authorize_get(
        query({{"client_id", "quick"}, {"redirect_uri",
                                        "https://quick.example/cb"},
               {"response_type", "code"}, {"state", "st"}}),
        f.env).request;
    req.client = f.config.find("quick");
    req.redirect_uri = req.redirect_to = "https://quick.example/cb";
    req.state = "st";
    req.issuer = f.env.issuer;

    issued_code code{issued_code::outcome::issued, "c0de", "", "u_7"};
    http_answer a = answer_code(f.env, req, code);
    ck_assert_std_eq(location_of(a),
                     "https://quick.example/cb?code=c0de&state=st"
                     "&iss=https%3A%2F%2Fauth.example.com");
    ck_assert_uint_eq(a.events.size(), 1);
    ck_assert(a.events[0].kind == event_kind::code_issued);
    ck_assert_std_eq(a.events[0].user_id, "u_7");
    ck_assert_std_eq(a.events[0].client_id, "quick");
    ck_assert(!header_of(a, "Set-Cookie"));
    a = answer_code(f.env, req, code, "s3ssion");
    ck_assert_std_eq(header_of(a, "Set-Cookie").value_or(""),
                     "seam_oauth_session=s3ssion; Path=/authorize; "
                     "Max-Age=300; HttpOnly; SameSite=Lax");
    a = answer_code(f.env, req, {issued_code::outcome::unavailable, "",
                                  "the store is full"});
    ck_assert_int_eq(a.status, 503);
    ck_assert_uint_eq(a.log.size(), 1);
    ck_assert_contains(a.log[0].text, "is full");
    ck_assert(a.log[0].limited);
    /* the owner's access ended since it signed in: sign in again */
    a = answer_code(f.env, req, {issued_code::outcome::revoked, "", ""});
    ck_assert_int_eq(a.status, 200);
    ck_assert_std_eq(field_of(a, "error").value_or(""),
                     std::string{message::session_expired});

    sign_in_result r;
    r.result = sign_in_result::outcome::wrong_credentials;
    a = answer_sign_in(f.env, req, r, "typed@example.com");
    ck_assert_int_eq(a.status, 200);
    ck_assert_std_eq(field_of(a, "email").value_or(""), "typed@example.com");
    ck_assert_std_eq(a.log.at(0).text, "failed sign-in for client \"quick\"");
    ck_assert_uint_eq(a.events.size(), 1);
    ck_assert(a.events[0].kind == event_kind::sign_in_failed);
    /* nothing of what was typed */
    ck_assert_std_eq(a.events[0].user_id, "");

    r.result = sign_in_result::outcome::locked;
    r.retry_after = 4;
    a = answer_sign_in(f.env, req, r, "typed@example.com");
    ck_assert_int_eq(a.status, 429);
    ck_assert_std_eq(field_of(a, "email").value_or(""), "");
    ck_assert(a.log.at(0).at == log_note::level::warn);
    ck_assert(a.events.at(0).kind == event_kind::sign_in_locked);

    r.result = sign_in_result::outcome::unavailable;
    r.why = "the login service timed out";
    a = answer_sign_in(f.env, req, r, "typed@example.com");
    ck_assert_int_eq(a.status, 503);
    ck_assert_std_eq(a.log.at(0).text, "the login service timed out");
    ck_assert(a.events.at(0).kind == event_kind::sign_in_unavailable);

    r.result = sign_in_result::outcome::signed_in;
    r.email = "o@example.com";
    r.user_id = "u_9";
    r.session = "s3ssion";
    a = answer_sign_in(f.env, req, r, "O@example.com");
    ck_assert(a.body.rfind("consent|", 0) == 0);
    ck_assert_uint_eq(a.events.size(), 1);
    ck_assert(a.events[0].kind == event_kind::sign_in_ok);
    ck_assert_std_eq(a.events[0].user_id, "u_9");
    ck_assert_std_eq(field_of(a, "email").value_or(""), "o@example.com");
    ck_assert_contains(headers_of(a, "Set-Cookie").at(1),
                       "seam_oauth_session=s3ssion;");
    r.code = "c0de";
    a = answer_sign_in(f.env, req, r, "O@example.com");
    ck_assert_contains(location_of(a), "?code=c0de&");
    ck_assert_uint_eq(a.events.size(), 2);
    ck_assert(a.events[1].kind == event_kind::code_issued);
    ck_assert_contains(header_of(a, "Set-Cookie").value_or(""),
                       "seam_oauth_session=s3ssion;");
}
END_TEST

Suite *
authorize_endpoint_suite()
{
    Suite *s = suite_create("authorize_endpoint");
    TCase *tc = tcase_create("get");
    tcase_add_test(tc, get_errors);
    tcase_add_test(tc, get_pages);
    suite_add_tcase(s, tc);

    tc = tcase_create("post");
    tcase_add_test(tc, post_csrf_first);
    tcase_add_test(tc, post_credentials_checked_cheaply_first);
    tcase_add_test(tc, post_decisions);
    suite_add_tcase(s, tc);

    tc = tcase_create("answers");
    tcase_add_test(tc, answers);
    suite_add_tcase(s, tc);
    return s;
}
