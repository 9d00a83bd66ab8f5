/*
 * crypto.h: base64 and base64url (RFC 4648), digests, constant-time
 * comparison, CSPRNG bytes, and the PKCE S256 transform (RFC 7636).
 */
#include "crypto.h"
#include "codes.h"
#include "revocation.h"
#include "sessions.h"
#include "sweep.h"
#include "tokens.h"
#include "helpers.h"
#include "suites.h"

using namespace seam;

START_TEST(base64url_vectors)
{
    /* RFC 4648 §10, without padding */
    ck_assert_std_eq(base64url_encode(""), "");
    ck_assert_std_eq(base64url_encode("f"), "Zg");
    ck_assert_std_eq(base64url_encode("fo"), "Zm8");
    ck_assert_std_eq(base64url_encode("foo"), "Zm9v");
    ck_assert_std_eq(base64url_encode("foob"), "Zm9vYg");
    ck_assert_std_eq(base64url_encode("fooba"), "Zm9vYmE");
    ck_assert_std_eq(base64url_encode("foobar"), "Zm9vYmFy");
    /* the URL alphabet */
    ck_assert_std_eq(base64url_encode("\xfb\xff"), "-_8");
    ck_assert_std_eq(base64url_decode("-_8").value_or("?"), "\xfb\xff");
    ck_assert_std_eq(base64url_decode("Zm9vYmE").value_or("?"), "fooba");
    ck_assert_std_eq(base64url_decode("").value_or("?"), "");
}
END_TEST

START_TEST(base64_vectors)
{
    ck_assert_std_eq(base64_encode(""), "");
    ck_assert_std_eq(base64_encode("f"), "Zg==");
    ck_assert_std_eq(base64_encode("fo"), "Zm8=");
    ck_assert_std_eq(base64_encode("foo"), "Zm9v");
    ck_assert_std_eq(base64_encode("foobar"), "Zm9vYmFy");
    ck_assert_std_eq(base64_encode("\xfb\xff"), "+/8=");
    ck_assert_std_eq(base64_decode("Zg==").value_or("?"), "f");
    ck_assert_std_eq(base64_decode("Zm8=").value_or("?"), "fo");
    ck_assert_std_eq(base64_decode("+/8=").value_or("?"), "\xfb\xff");
    ck_assert_std_eq(base64_decode("").value_or("?"), "");
}
END_TEST

START_TEST(round_trips)
{
    uint32_t x = 99;
    for (size_t len = 0; len < 70; len++) {
        std::string data;
        for (size_t i = 0; i < len; i++) {
            x = x * 1664525u + 1013904223u;
            data.push_back(static_cast<char>(x >> 24));
        }
        auto u = base64url_decode(base64url_encode(data));
        ck_assert_msg(u && *u == data, "base64url round trip of %zu bytes",
                      len);
        auto s = base64_decode(base64_encode(data));
        ck_assert_msg(s && *s == data, "base64 round trip of %zu bytes", len);
        ck_assert_uint_eq(base64url_encode(data).size(), (len * 4 + 2) / 3);
        ck_assert_uint_eq(base64_encode(data).size(), (len + 2) / 3 * 4);
    }
    std::string random = random_bytes(1000);
    ck_assert(base64url_decode(base64url_encode(random)) == random);
    ck_assert(base64_decode(base64_encode(random)) == random);
}
END_TEST

START_TEST(base64url_rejects)
{
    const char *bad[] = {
        "Zg==",     /* padding */
        "Zg=",
        "Z",        /* a lone sextet */
        "Zm9vY",
        "Zh",       /* non-canonical trailing bits */
        "Zm9",
        "Zm+v",     /* standard alphabet */
        "Zm/v",
        "Zm9v ",
        "Zm 9v",
        "Zm9v\n",
        "Zm\xc3\xa9",
    };
    for (const char *t : bad) {
        ck_assert_msg(!base64url_decode(t), "\"%s\" decoded",
                      printable(t).c_str());
    }
    ck_assert(!base64url_decode(std::string("Zm9\0", 4)));
}
END_TEST

START_TEST(base64_rejects)
{
    const char *bad[] = {
        "Zg",       /* padding missing */
        "Zg=",
        "Zm8",
        "Z===",
        "====",
        "Zg==Zg==", /* padding in the middle */
        "Zh==",     /* non-canonical */
        "Zm9=",
        "Zm-v",     /* URL alphabet */
        "Zm_v",
        "Zm9v ",
        "!!!!",
        "Zg===",
    };
    for (const char *t : bad) {
        ck_assert_msg(!base64_decode(t), "\"%s\" decoded",
                      printable(t).c_str());
    }
}
END_TEST

START_TEST(constant_time)
{
    ck_assert(constant_time_equal("", ""));
    ck_assert(constant_time_equal("abc", "abc"));
    ck_assert(!constant_time_equal("abc", "abd"));
    ck_assert(!constant_time_equal("abc", "bbc"));
    ck_assert(!constant_time_equal("abc", "ab"));
    ck_assert(!constant_time_equal("ab", "abc"));
    ck_assert(!constant_time_equal("", "a"));
    ck_assert(constant_time_equal(std::string("a\0b", 3),
                                  std::string("a\0b", 3)));
    ck_assert(!constant_time_equal(std::string("a\0b", 3),
                                   std::string("a\0c", 3)));
}
END_TEST

START_TEST(random_bytes_sizes)
{
    ck_assert_uint_eq(random_bytes(0).size(), 0);
    ck_assert_uint_eq(random_bytes(16).size(), 16);
    ck_assert(random_bytes(16) != random_bytes(16));
}
END_TEST

START_TEST(digests)
{
    ck_assert_std_eq(hex_encode(sha256("abc")),
                     "ba7816bf8f01cfea414140de5dae2223"
                     "b00361a396177a9cb410ff61f20015ad");
    ck_assert_std_eq(hex_encode(sha256("")),
                     "e3b0c44298fc1c149afbf4c8996fb924"
                     "27ae41e4649b934ca495991b7852b855");
    /* RFC 4231 test case 2 */
    ck_assert_std_eq(hex_encode(hmac_sha256("Jefe",
                                            "what do ya want for nothing?")),
                     "5bdcc146bf60754e6a042426089575c7"
                     "5a003f089d2739839dec58b964ec3843");
    ck_assert_std_eq(hex_encode(std::string("\x00\x0f\xf0\xff", 4)),
                     "000ff0ff");
}
END_TEST

START_TEST(pkce_appendix_b)
{
    /* RFC 7636 Appendix B: the verifier, the 32 octets of its SHA-256 and
     * the challenge "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" */
    const char *verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const char *challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    ck_assert_std_eq(s256_challenge(verifier), challenge);
    const unsigned char digest[] = {
        19, 211, 30, 150, 26, 26, 216, 236, 47, 22, 177, 12, 76, 152, 46,
        8, 118, 168, 120, 173, 109, 241, 68, 86, 110, 225, 137, 74, 203,
        112, 249, 195};
    ck_assert(sha256(verifier)
              == std::string(reinterpret_cast<const char *>(digest),
                             sizeof digest));
    ck_assert_std_eq(base64url_encode(sha256(verifier)), challenge);
    ck_assert_std_ne(s256_challenge(std::string(verifier) + "x"), challenge);
    ck_assert(valid_code_verifier(verifier));
    ck_assert(valid_code_challenge(s256_challenge(verifier)));
    /* the verifier's 32 octets from Appendix B */
    const unsigned char octets[] = {
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173,
        187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83,
        132, 141, 121};
    ck_assert_std_eq(base64url_encode(std::string(
                         reinterpret_cast<const char *>(octets),
                         sizeof octets)),
                     verifier);
}
END_TEST

Suite *
crypto_suite()
{
    Suite *s = suite_create("crypto");
    TCase *tc = tcase_create("base64");
    tcase_add_test(tc, base64url_vectors);
    tcase_add_test(tc, base64_vectors);
    tcase_add_test(tc, round_trips);
    tcase_add_test(tc, base64url_rejects);
    tcase_add_test(tc, base64_rejects);
    suite_add_tcase(s, tc);

    tc = tcase_create("primitives");
    tcase_add_test(tc, constant_time);
    tcase_add_test(tc, random_bytes_sizes);
    tcase_add_test(tc, digests);
    tcase_add_test(tc, pkce_appendix_b);
    suite_add_tcase(s, tc);
    return s;
}
