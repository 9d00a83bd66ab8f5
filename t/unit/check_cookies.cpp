/*
 * cookies.h: the shape our cookie values must have before any lookup, and
 * Set-Cookie headers built only from checked bytes: a request path with
 * CR, LF, ';' or a space never reaches the Path attribute (security.md
 * row 17's header injection, for cookies).
 */
#include "cookies.h"
#include "helpers.h"
#include "suites.h"

using namespace seam;

START_TEST(values)
{
    std::string nonce(22, 'A');
    ck_assert_std_eq(cookie_value(nonce, 22), nonce);
    ck_assert_std_eq(cookie_value("abc-_09AZ", 9), "abc-_09AZ");
    /* the wrong length, or a byte outside base64url */
    ck_assert_std_eq(cookie_value(nonce, 21), "");
    ck_assert_std_eq(cookie_value(nonce + "A", 22), "");
    ck_assert_std_eq(cookie_value(std::string(21, 'A') + "=", 22), "");
    ck_assert_std_eq(cookie_value(std::string(21, 'A') + ";", 22), "");
    ck_assert_std_eq(cookie_value(std::string(21, 'A') + "\n", 22), "");
    ck_assert_std_eq(cookie_value("", 0), "");
}
END_TEST

START_TEST(paths)
{
    ck_assert_std_eq(cookie_path("/authorize", "/authorize"), "/authorize");
    ck_assert_std_eq(cookie_path("/login/x", "/login/"), "/login/x");
    ck_assert_std_eq(cookie_path("/a:b@c!$&'()*+=~%41", "/"),
                     "/a:b@c!$&'()*+=~%41");
    /* anything that could end the header or add an attribute: the
     * location's own name instead */
    for (const char *bad : {"/login/x\r\nSet-Cookie: injected=1",
                            "/login/x;Domain=evil.example", "/login/x y",
                            "/login/x\n", "/login/x\r", "/login/\"x",
                            "/login/a,b", "/login/a\\b", "/login/\x7f",
                            "/login/caf\xc3\xa9", "login/x", ""})
    {
        ck_assert_std_eq(cookie_path(bad, "/login/"), "/login/");
    }
    /* and a name that is no better: the root */
    ck_assert_std_eq(cookie_path("/x;y", "~ ^/(a|b)$"), "/");
    ck_assert_std_eq(cookie_path("/x;y", ""), "/");
}
END_TEST

START_TEST(set_cookies)
{
    cookie_attributes a;
    a.path = "/authorize";
    ck_assert_std_eq(set_cookie(csrf_cookie, "n0nce", 900, same_site::strict,
                                a),
                     "seam_oauth_csrf=n0nce; Path=/authorize; Max-Age=900; "
                     "HttpOnly; SameSite=Strict");
    a.secure = true;
    ck_assert_std_eq(set_cookie(session_cookie, "s3ss-_", 300,
                                same_site::lax, a),
                     "seam_oauth_session=s3ss-_; Path=/authorize; "
                     "Max-Age=300; HttpOnly; SameSite=Lax; Secure");
    /* a value or path of the wrong shape never gets through */
    ck_assert_std_eq(set_cookie(csrf_cookie, "a;b", 1, same_site::strict, a),
                     "seam_oauth_csrf=; Path=/authorize; Max-Age=1; "
                     "HttpOnly; SameSite=Strict; Secure");
    a.path = "/x\r\nSet-Cookie: y=1";
    a.secure = false;
    ck_assert_std_eq(set_cookie(csrf_cookie, "v", 1, same_site::strict, a),
                     "seam_oauth_csrf=v; Path=/; Max-Age=1; HttpOnly; "
                     "SameSite=Strict");
}
END_TEST

Suite *
cookies_suite()
{
    Suite *s = suite_create("cookies");
    TCase *tc = tcase_create("cookies");
    tcase_add_test(tc, values);
    tcase_add_test(tc, paths);
    tcase_add_test(tc, set_cookies);
    suite_add_tcase(s, tc);
    return s;
}
