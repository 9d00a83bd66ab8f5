/*
 * form.h: strict application/x-www-form-urlencoded parsing (RFC 6749 §3.1:
 * no parameter twice), percent-decoding and encoding.
 */
#include "form.h"
#include "helpers.h"
#include "suites.h"

using namespace seam;

START_TEST(simple_pairs)
{
    form_result r = parse_form("a=1&b=two&c=3");
    ck_assert_int_eq(static_cast<int>(r.status),
                     static_cast<int>(form_status::ok));
    ck_assert_uint_eq(r.values.size(), 3);
    ck_assert_std_eq(r.values.value("a"), "1");
    ck_assert_std_eq(r.values.value("b"), "two");
    ck_assert_std_eq(r.values.value("c"), "3");
    ck_assert(!r.values.has("d"));
    ck_assert_ptr_null(r.values.get("d"));
    ck_assert_std_eq(r.values.value("d"), "");
    /* order kept */
    ck_assert_std_eq(r.values.pairs()[0].first, "a");
    ck_assert_std_eq(r.values.pairs()[2].first, "c");
}
END_TEST

START_TEST(empty_input)
{
    form_result r = parse_form("");
    ck_assert(r.status == form_status::ok);
    ck_assert_uint_eq(r.values.size(), 0);
}
END_TEST

START_TEST(duplicate_name)
{
    form_result r = parse_form("a=1&a=2");
    ck_assert(r.status == form_status::duplicate);
    ck_assert_std_eq(r.name, "a");
    ck_assert_std_eq(describe(r), "parameter a given more than once");

    /* the same value twice is still a duplicate */
    r = parse_form("x=1&a=1&a=1");
    ck_assert(r.status == form_status::duplicate);
    ck_assert_std_eq(r.name, "a");

    /* a duplicate spelled differently: compared after decoding */
    r = parse_form("redirect_uri=a&redirect%5Furi=b");
    ck_assert(r.status == form_status::duplicate);
    ck_assert_std_eq(r.name, "redirect_uri");

    /* a key without '=' or an empty value counts too, though either
     * alone is treated as omitted */
    r = parse_form("a&a=1");
    ck_assert(r.status == form_status::duplicate);
    ck_assert_std_eq(r.name, "a");
    r = parse_form("a=1&a=");
    ck_assert(r.status == form_status::duplicate);
    r = parse_form("a=&a=");
    ck_assert(r.status == form_status::duplicate);
}
END_TEST

START_TEST(bad_percent_encoding)
{
    const char *bad[] = {
        "a=%",        /* '%' alone */
        "a=%4",       /* one hex digit, at the end */
        "a=%zz",      /* not hex */
        "a=%4g",
        "a=%g4",
        "a=1&b=2%",   /* at the very end */
        "a=1&b=x%2",
        "%=1",        /* in a name */
        "a%2=1",
        "a=%%41",
    };
    for (const char *in : bad) {
        form_result r = parse_form(in);
        ck_assert_msg(r.status == form_status::bad_encoding,
                      "\"%s\" should be bad_encoding, got %d", in,
                      static_cast<int>(r.status));
        ck_assert_std_eq(describe(r), "malformed percent-encoding");
    }
    std::string out;
    ck_assert(!form_decode("%", out));
    ck_assert(!form_decode("%4", out));
    ck_assert(!form_decode("%zz", out));
    ck_assert(!form_decode("ab%", out));
}
END_TEST

START_TEST(nul_byte)
{
    form_result r = parse_form("a=%00");
    ck_assert(r.status == form_status::nul_byte);
    ck_assert_uint_eq(r.values.size(), 0);
    r = parse_form("client_id=abc%00def");
    ck_assert(r.status == form_status::nul_byte);
    r = parse_form("a%00b=1");
    ck_assert(r.status == form_status::nul_byte);
    ck_assert_std_eq(describe(r), "NUL byte in a parameter");
}
END_TEST

START_TEST(plus_and_percent)
{
    form_result r = parse_form("a=x+y&b=x%2By&c=%41%62%7e&d=%e2%82%AC");
    ck_assert(r.status == form_status::ok);
    ck_assert_std_eq(r.values.value("a"), "x y");
    ck_assert_std_eq(r.values.value("b"), "x+y");
    ck_assert_std_eq(r.values.value("c"), "Ab~");
    ck_assert_std_eq(r.values.value("d"), "\xe2\x82\xac");

    /* decoded once only: %2541 is "%41", not "A" */
    r = parse_form("a=%2541");
    ck_assert(r.status == form_status::ok);
    ck_assert_std_eq(r.values.value("a"), "%41");

    /* names are decoded too */
    r = parse_form("a+b=1&c%3Dd=2");
    ck_assert(r.status == form_status::ok);
    ck_assert_std_eq(r.values.value("a b"), "1");
    ck_assert_std_eq(r.values.value("c=d"), "2");

    /* only the first '=' splits */
    r = parse_form("a=b=c");
    ck_assert(r.status == form_status::ok);
    ck_assert_std_eq(r.values.value("a"), "b=c");

    std::string out;
    ck_assert(form_decode("%41+%2b", out));
    ck_assert_std_eq(out, "A +");
}
END_TEST

START_TEST(empty_pieces)
{
    form_result r = parse_form("a=1&&b=2");
    ck_assert(r.status == form_status::ok);
    ck_assert_uint_eq(r.values.size(), 2);
    ck_assert_std_eq(r.values.value("a"), "1");
    ck_assert_std_eq(r.values.value("b"), "2");

    r = parse_form("&a=1&");
    ck_assert(r.status == form_status::ok);
    ck_assert_uint_eq(r.values.size(), 1);

    r = parse_form("&&&");
    ck_assert(r.status == form_status::ok);
    ck_assert_uint_eq(r.values.size(), 0);
}
END_TEST

/* RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if
 * they were omitted from the request" */
START_TEST(key_without_equals)
{
    form_result r = parse_form("a&b=2");
    ck_assert(r.status == form_status::ok);
    ck_assert_uint_eq(r.values.size(), 1);
    ck_assert(!r.values.has("a"));
    ck_assert_std_eq(r.values.value("b"), "2");
}
END_TEST

START_TEST(empty_value_omitted)
{
    form_result r = parse_form("a=1&code_challenge=&state=");
    ck_assert(r.status == form_status::ok);
    ck_assert_uint_eq(r.values.size(), 1);
    ck_assert(!r.values.has("code_challenge"));
    ck_assert(!r.values.has("state"));
    ck_assert_std_eq(r.values.value("a"), "1");
    /* but still counted towards the limit */
    form_limits lim;
    lim.max_params = 2;
    ck_assert(parse_form("a=1&b=&c=", lim).status == form_status::too_many);
    ck_assert(parse_form("a=1&b=", lim).status == form_status::ok);
}
END_TEST

START_TEST(too_many_params)
{
    form_limits lim;
    lim.max_params = 3;
    form_result r = parse_form("a=1&b=2&c=3", lim);
    ck_assert(r.status == form_status::ok);
    ck_assert_uint_eq(r.values.size(), 3);
    r = parse_form("a=1&b=2&c=3&d=4", lim);
    ck_assert(r.status == form_status::too_many);
    ck_assert_std_eq(describe(r), "too many parameters");

    /* the default limit is 64 */
    std::string body;
    for (int i = 0; i < 64; i++) {
        body += (i ? "&p" : "p") + std::to_string(i) + "=x";
    }
    ck_assert(parse_form(body).status == form_status::ok);
    body += "&p64=x";
    ck_assert(parse_form(body).status == form_status::too_many);
}
END_TEST

START_TEST(too_long_value)
{
    form_limits lim;
    lim.max_value = 4;
    ck_assert(parse_form("a=1234", lim).status == form_status::ok);
    form_result r = parse_form("a=12345", lim);
    ck_assert(r.status == form_status::too_long);
    ck_assert_std_eq(r.name, "a");
    ck_assert_std_eq(describe(r), "parameter a is too long");

    /* the limit is on the decoded length */
    ck_assert(parse_form("a=%41%41%41%41", lim).status == form_status::ok);

    /* a long name: too long, and not echoed back */
    r = parse_form("abcde=1", lim);
    ck_assert(r.status == form_status::too_long);
    ck_assert_std_eq(r.name, "");
    ck_assert_std_eq(describe(r), "a parameter is too long");

    /* the default limit is 4096 */
    ck_assert(parse_form("v=" + std::string(4096, 'x')).status
              == form_status::ok);
    ck_assert(parse_form("v=" + std::string(4097, 'x')).status
              == form_status::too_long);
}
END_TEST

START_TEST(describe_hides_odd_names)
{
    /* a name with a quote or a control byte is not put into a message */
    form_result r = parse_form("a%22b=1&a%22b=2");
    ck_assert(r.status == form_status::duplicate);
    ck_assert_std_eq(describe(r), "a parameter given more than once");
    r = parse_form("a%0Ab=1&a%0Ab=2");
    ck_assert(r.status == form_status::duplicate);
    ck_assert_std_eq(describe(r), "a parameter given more than once");
    ck_assert_std_eq(describe(parse_form("a=1")), "");
}
END_TEST

START_TEST(params_add)
{
    params p;
    ck_assert(p.add("a", "1"));
    ck_assert(!p.add("a", "2"));
    ck_assert_uint_eq(p.size(), 1);
    ck_assert_std_eq(p.value("a"), "1");
}
END_TEST

START_TEST(percent_encode_reserved)
{
    ck_assert_std_eq(percent_encode("AZaz09-._~"), "AZaz09-._~");
    ck_assert_std_eq(percent_encode(" &=+?#/:@%\"<>'"),
                     "%20%26%3D%2B%3F%23%2F%3A%40%25%22%3C%3E%27");
    ck_assert_std_eq(percent_encode("\r\n"), "%0D%0A");
    ck_assert_std_eq(percent_encode(std::string("a\0b", 3)), "a%00b");
    /* non-ASCII bytes, upper-case hex */
    ck_assert_std_eq(percent_encode("\xc3\xa9\xff\x80"), "%C3%A9%FF%80");
    ck_assert_std_eq(percent_encode(""), "");
}
END_TEST

START_TEST(percent_encode_round_trip)
{
    std::string all;
    for (int c = 0; c < 256; c++) {
        all.push_back(static_cast<char>(c));
    }
    std::string enc = percent_encode(all);
    for (char c : enc) {
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                     || (c >= '0' && c <= '9') || c == '-' || c == '.'
                     || c == '_' || c == '~' || c == '%';
        ck_assert_msg(plain, "unexpected byte 0x%02x in encoded output",
                      static_cast<unsigned char>(c));
    }
    std::string back;
    ck_assert(form_decode(enc, back));
    ck_assert(back == all);
}
END_TEST

Suite *
form_suite()
{
    Suite *s = suite_create("form");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, simple_pairs);
    tcase_add_test(tc, empty_input);
    tcase_add_test(tc, duplicate_name);
    tcase_add_test(tc, bad_percent_encoding);
    tcase_add_test(tc, nul_byte);
    tcase_add_test(tc, plus_and_percent);
    tcase_add_test(tc, empty_pieces);
    tcase_add_test(tc, key_without_equals);
    tcase_add_test(tc, empty_value_omitted);
    tcase_add_test(tc, too_many_params);
    tcase_add_test(tc, too_long_value);
    tcase_add_test(tc, describe_hides_odd_names);
    tcase_add_test(tc, params_add);
    suite_add_tcase(s, tc);

    tc = tcase_create("encode");
    tcase_add_test(tc, percent_encode_reserved);
    tcase_add_test(tc, percent_encode_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
