/*
 * password.h: argon2id hashes in PHC format. Two hashes in all (~50 ms
 * each with OWASP's parameters).
 */
#include "helpers.h"
#include "password.h"
#include "suites.h"

using namespace seam;

START_TEST(hash_and_verify)
{
    std::string h = hash_password("correct horse");
    /* argon2id, OWASP minimum parameters, in the hash */
    ck_assert_std_eq(h.substr(0, 31), "$argon2id$v=19$m=19456,t=2,p=1$");
    ck_assert(verify_password("correct horse", h));
    ck_assert(!verify_password("correct horsE", h));
    ck_assert(!verify_password("correct horse ", h));
    ck_assert(!verify_password("", h));

    /* malformed hashes: false, never a throw or a crash */
    ck_assert(!verify_password("correct horse", ""));
    ck_assert(!verify_password("correct horse", "$argon2id$"));
    ck_assert(!verify_password("correct horse", "$argon2id$garbage"));
    ck_assert(!verify_password("correct horse", h.substr(0, h.size() - 5)));
    ck_assert(!verify_password("correct horse", h.substr(0, 31)));
    ck_assert(!verify_password("correct horse", "plain text"));
    /* another variant of the same hash is refused, not downgraded to */
    std::string argon2i = "$argon2i$" + h.substr(10);
    ck_assert(!verify_password("correct horse", argon2i));
    /* one changed byte in the digest */
    std::string bad = h;
    bad[bad.size() - 2] = bad[bad.size() - 2] == 'A' ? 'B' : 'A';
    ck_assert(!verify_password("correct horse", bad));
    /* a NUL inside the hash string */
    std::string nul = h;
    nul[20] = '\0';
    ck_assert(!verify_password("correct horse", nul));
}
END_TEST

START_TEST(salted)
{
    /* cheap parameters for the second hash: only the salt matters here */
    password_params cheap;
    cheap.time_cost = 1;
    cheap.memory_kib = 64;
    std::string a = hash_password("same", cheap);
    std::string b = hash_password("same", cheap);
    ck_assert_std_ne(a, b);
    ck_assert_contains(a, "$m=64,t=1,p=1$");
    ck_assert(verify_password("same", a));
    ck_assert(verify_password("same", b));
    ck_assert(!verify_password("Same", b));
}
END_TEST

Suite *
password_suite()
{
    Suite *s = suite_create("password");
    TCase *tc = tcase_create("argon2id");
    tcase_add_test(tc, hash_and_verify);
    tcase_add_test(tc, salted);
    suite_add_tcase(s, tc);
    return s;
}
