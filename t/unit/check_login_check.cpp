/*
 * login_check.h: what the device cloud's login API is sent (the bytes the
 * owner typed, as JSON) and how its answer is judged: 401, 403 and 404
 * are wrong credentials; anything else that is not a 2xx JSON object with
 * a usable id is unavailable, never a success.
 */
#include "helpers.h"
#include "login_check.h"
#include "suites.h"

#include <nlohmann/json.hpp>

using namespace seam;
using verdict = account_check::verdict;

namespace {

account_check
answered(int status, std::string_view body, std::string_view field = "user_id")
{
    login_check_answer a;
    a.status = status;
    a.body = body;
    return login_check_verdict(a, field);
}

void
assert_unavailable(const account_check &c, std::string_view why)
{
    ck_assert(c.result == verdict::unavailable);
    ck_assert_std_eq(c.user_id, "");
    ck_assert_contains(c.why, why);
}

}  // namespace

START_TEST(identifiers)
{
    ck_assert(valid_identifier("alice@example.com"));
    ck_assert(valid_identifier("alice"));
    ck_assert(valid_identifier("+1 555 0100"));
    ck_assert(valid_identifier("\xc3\xa9lise"));
    ck_assert(valid_identifier(std::string(256, 'a')));
    ck_assert(!valid_identifier(std::string(257, 'a')));
    ck_assert(!valid_identifier(""));
    ck_assert(!valid_identifier("a\tb"));
    ck_assert(!valid_identifier("a\r\nb"));
    ck_assert(!valid_identifier(std::string("a\0b", 3)));
    ck_assert(!valid_identifier("a\x7f"));
}
END_TEST

START_TEST(user_ids)
{
    ck_assert(valid_user_id("cust-42"));
    ck_assert(valid_user_id("1234567"));
    ck_assert(valid_user_id("a b"));
    ck_assert(valid_user_id("alice@example.com"));
    ck_assert(valid_user_id(std::string(255, 'x')));
    ck_assert(!valid_user_id(std::string(256, 'x')));
    ck_assert(!valid_user_id(""));
    ck_assert(!valid_user_id(" lead"));
    ck_assert(!valid_user_id("trail "));
    ck_assert(!valid_user_id("tab\there"));
    ck_assert(!valid_user_id("line\nbreak"));
    ck_assert(!valid_user_id("\xc3\xa9"));
    ck_assert(!valid_user_id("del\x7f"));
}
END_TEST

START_TEST(body_byte_exact)
{
    std::string email = "o\"d\\d+\xc3\xa9@example.com";
    std::string password = "p\"a\\s+s w\xc3\xb6rd\xe2\x82\xac\x01";
    std::string body = login_check_body(email, password, "seam");
    auto doc = nlohmann::json::parse(body);
    ck_assert(doc.is_object());
    ck_assert_uint_eq(doc.size(), 3);
    ck_assert_std_eq(doc["email"].get<std::string>(), email);
    ck_assert_std_eq(doc["password"].get<std::string>(), password);
    ck_assert_std_eq(doc["client_id"].get<std::string>(), "seam");
    /* UTF-8 as typed, JSON's own escapes for the rest */
    ck_assert_contains(body, "\"email\":\"o\\\"d\\\\d+\xc3\xa9@example.com\"");
    ck_assert_contains(body, "\\u0001");
    ck_assert_not_contains(body, "\n");
}
END_TEST

START_TEST(body_shape)
{
    /* the object's members in one order, as README shows them */
    ck_assert_std_eq(login_check_body("alice", "pw", "seam"),
                     R"({"client_id":"seam","email":"alice","password":"pw"})");
}
END_TEST

START_TEST(body_not_utf8)
{
    ck_assert_std_eq(login_check_body("caf\xe9@example.com", "pw", "seam"), "");
    ck_assert_std_eq(login_check_body("a@example.com", "\xff\xfe", "seam"),
                     "");
    ck_assert_std_ne(login_check_body("a@example.com", "pw", "seam"), "");
}
END_TEST

START_TEST(success)
{
    account_check c = answered(200, R"({"user_id":"cust-42"})");
    ck_assert(c.result == verdict::ok);
    ck_assert_std_eq(c.user_id, "cust-42");

    c = answered(201, R"({"user_id": 1234567, "name": "Bob"})");
    ck_assert(c.result == verdict::ok);
    ck_assert_std_eq(c.user_id, "1234567");

    c = answered(200, R"({"user_id": -7})");
    ck_assert_std_eq(c.user_id, "-7");

    c = answered(200, R"({"user_id": 18446744073709551615})");
    ck_assert_std_eq(c.user_id, "18446744073709551615");

    c = answered(200, " {\"user_id\":\"" + std::string(255, 'x') + "\"}\n");
    ck_assert(c.result == verdict::ok);

    c = answered(204, R"({"customer_id":"c-7","user_id":"no"})",
                 "customer_id");
    ck_assert_std_eq(c.user_id, "c-7");
}
END_TEST

START_TEST(wrong_credentials)
{
    for (int status : {401, 403, 404}) {
        account_check c = answered(status, R"({"user_id":"x"})");
        ck_assert(c.result == verdict::wrong);
        ck_assert_std_eq(c.user_id, "");
        c = answered(status, "");
        ck_assert(c.result == verdict::wrong);
    }
}
END_TEST

START_TEST(other_statuses)
{
    assert_unavailable(answered(500, R"({"user_id":"x"})"), "answered 500");
    assert_unavailable(answered(302, R"({"user_id":"x"})"), "answered 302");
    assert_unavailable(answered(400, ""), "answered 400");
    assert_unavailable(answered(429, ""), "answered 429");
    assert_unavailable(answered(199, ""), "answered 199");
    assert_unavailable(answered(0, ""), "gave no answer");

    login_check_answer a;
    a.nginx_status = 502;
    assert_unavailable(login_check_verdict(a, "user_id"),
                       "could not be reached: nginx answered 502");
    /* nginx's own 404 (no such location) is no wrong password */
    a.nginx_status = 404;
    assert_unavailable(login_check_verdict(a, "user_id"),
                       "nginx answered 404");
    a.nginx_status = 504;
    a.status = 200;
    a.body = R"({"user_id":"x"})";
    assert_unavailable(login_check_verdict(a, "user_id"), "nginx answered 504");
}
END_TEST

START_TEST(unusable_bodies)
{
    const char *no_id = "without a usable \"user_id\"";
    const char *no_object = "without a JSON object";
    assert_unavailable(answered(200, "user_id=x"), no_object);
    assert_unavailable(answered(200, ""), no_object);
    assert_unavailable(answered(200, R"([{"user_id":"x"}])"), no_object);
    assert_unavailable(answered(200, R"("x")"), no_object);
    assert_unavailable(answered(200, R"({"user_id":"x"} trailing)"), no_object);
    assert_unavailable(answered(200, "{\"user_id\":\"\xff\"}"), no_object);
    assert_unavailable(answered(200, R"({"id":"x"})"), no_id);
    assert_unavailable(answered(200, R"({"user_id":""})"), no_id);
    assert_unavailable(answered(200, R"({"user_id":null})"), no_id);
    assert_unavailable(answered(200, R"({"user_id":true})"), no_id);
    assert_unavailable(answered(200, R"({"user_id":4.5})"), no_id);
    assert_unavailable(answered(200, R"({"user_id":1e3})"), no_id);
    assert_unavailable(answered(200, R"({"user_id":["x"]})"), no_id);
    assert_unavailable(answered(200, R"({"user_id":{"id":"x"}})"), no_id);
    assert_unavailable(answered(200, R"({"user_id":"a\tb"})"), no_id);
    assert_unavailable(answered(200, R"({"user_id":"a\u0000b"})"), no_id);
    assert_unavailable(answered(200, R"({"user_id":" x"})"), no_id);
    assert_unavailable(answered(200, R"({"user_id":"\u00e9"})"), no_id);
    assert_unavailable(answered(200, "{\"user_id\":\""
                                     + std::string(256, 'x') + "\"}"),
                       no_id);
    assert_unavailable(answered(200, R"({"data":{"user_id":"x"}})"), no_id);
    assert_unavailable(answered(200, R"({"user_id":"x"})", "customer_id"),
                       "without a usable \"customer_id\"");
}
END_TEST

START_TEST(size_limit)
{
    std::string pad(login_check_max_answer - 40, 'a');
    std::string body = R"({"user_id":"big-1","pad":")" + pad + "\"}";
    ck_assert_uint_le(body.size(), login_check_max_answer);
    ck_assert(answered(200, body).result == verdict::ok);

    body = R"({"user_id":"big-1","pad":")"
           + std::string(login_check_max_answer, 'a') + "\"}";
    assert_unavailable(answered(200, body), "could not be read whole");

    login_check_answer a;
    a.status = 200;
    a.body = R"({"user_id":"x"})";
    a.whole = false;
    assert_unavailable(login_check_verdict(a, "user_id"),
                       "could not be read whole");
    /* a 401 needs no body: cut or not, it is wrong credentials */
    a.status = 401;
    ck_assert(login_check_verdict(a, "user_id").result == verdict::wrong);
}
END_TEST

Suite *
login_check_suite()
{
    Suite *s = suite_create("login_check");
    TCase *tc = tcase_create("login_check");
    tcase_add_test(tc, identifiers);
    tcase_add_test(tc, user_ids);
    tcase_add_test(tc, body_byte_exact);
    tcase_add_test(tc, body_shape);
    tcase_add_test(tc, body_not_utf8);
    tcase_add_test(tc, success);
    tcase_add_test(tc, wrong_credentials);
    tcase_add_test(tc, other_statuses);
    tcase_add_test(tc, unusable_bodies);
    tcase_add_test(tc, size_limit);
    suite_add_tcase(s, tc);
    return s;
}
