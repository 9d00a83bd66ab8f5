/*
 * secrets.h: secrets that carry their issue time, and the store keys that
 * sort by it; any other string keyed by its SHA-256 alone.
 */
#include "crypto.h"
#include "codes.h"
#include "revocation.h"
#include "sessions.h"
#include "sweep.h"
#include "tokens.h"
#include "helpers.h"
#include "records.h"
#include "secrets.h"
#include "suites.h"

#include <cstring>
#include <set>

using namespace seam;

static const char b64url_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

START_TEST(fresh_secrets)
{
    std::set<std::string> seen;
    for (int i = 0; i < 50; i++) {
        uint64_t before = now_ms();
        std::string s = new_secret();
        uint64_t after = now_ms();
        ck_assert_uint_eq(s.size(), 51);
        ck_assert(s.find_first_not_of(b64url_chars) == std::string::npos);
        auto raw = base64url_decode(s);
        ck_assert(raw.has_value());
        ck_assert_uint_eq(raw->size(), 38);
        /* the issue time, then 32 random bytes */
        ck_assert_uint_ge(time_of(*raw), before);
        ck_assert_uint_le(time_of(*raw), after);
        ck_assert_uint_eq(time_of(key_of(s).str()), time_of(*raw));
        ck_assert(seen.insert(s).second);
        ck_assert(seen.insert(raw->substr(6)).second);
    }
}
END_TEST

START_TEST(keys_of_fresh_secrets)
{
    std::string s = new_secret();
    record_key k = key_of(s);
    ck_assert_uint_eq(k.size, 38);
    /* the time as it is in the secret, then the SHA-256 of the secret */
    ck_assert_std_eq(k.str().substr(0, 6), base64url_decode(s)->substr(0, 6));
    ck_assert_std_eq(k.str().substr(6), sha256(s));
    /* the key is not the secret's bytes: a leaked store holds no secret */
    ck_assert(k.str().find(base64url_decode(s)->substr(6))
              == std::string::npos);
}
END_TEST

START_TEST(keys_sort_by_issue_time)
{
    std::string r1 = random_bytes(32), r2 = random_bytes(32);
    std::string early = make_secret(1000, r1), late = make_secret(1001, r2);
    ck_assert_uint_eq(time_of(*base64url_decode(early)), 1000);
    ck_assert(key_of(early).str() < key_of(late).str());
    /* whatever the random parts */
    ck_assert(key_of(make_secret(1000, r2)).str()
              < key_of(make_secret(1001, r1)).str());
    /* and across the 48 bits */
    ck_assert(key_of(make_secret(0xfeffffffffffULL, r1)).str()
              < key_of(make_secret(0xff0000000000ULL, r1)).str());
    std::string top = make_secret(0xffffffffffffULL, r1);
    ck_assert_uint_eq(time_of(key_of(top).str()), 0xffffffffffffULL);

    /* made again from the same parts: the same secret (token rotation) */
    ck_assert_std_eq(make_secret(1000, r1), early);
    ck_assert_std_ne(make_secret(1000, r2), early);
    bool thrown = false;
    try {
        make_secret(1000, "short");
    } catch (const std::invalid_argument &) {
        thrown = true;
    }
    ck_assert(thrown);
}
END_TEST

START_TEST(other_strings_keyed_by_sha256)
{
    /* a 43-character secret of the earlier format */
    std::string legacy = base64url_encode(random_bytes(32));
    ck_assert_uint_eq(legacy.size(), 43);
    ck_assert_std_eq(key_of(legacy).str(), sha256(legacy));

    /* 51 characters, but the time part is not base64url: b64token allows
     * . ~ + / which base64url does not */
    std::string s = new_secret();
    for (char c : std::string(".~+/=")) {
        std::string odd = s;
        odd[3] = c;
        ck_assert_std_eq(key_of(odd).str(), sha256(odd));
    }
    /* a bad character after the time part still gets a 38-byte key; it
     * is simply not found */
    std::string tail = s;
    tail[40] = '~';
    ck_assert_uint_eq(key_of(tail).size, 38);
    ck_assert_std_eq(key_of(tail).str().substr(6), sha256(tail));

    /* one character more or less */
    ck_assert_std_eq(key_of(s + "A").str(), sha256(s + "A"));
    ck_assert_std_eq(key_of(s.substr(1)).str(), sha256(s.substr(1)));
    ck_assert_std_eq(key_of("").str(), sha256(""));
    /* embedded NULs */
    std::string nul(51, '\0');
    ck_assert_std_eq(key_of(nul).str(), sha256(nul));
}
END_TEST

START_TEST(record_ids)
{
    uint64_t before = now_ms();
    std::string a = new_record_id(16), b = new_record_id(16);
    uint64_t after = now_ms();
    ck_assert_uint_eq(a.size(), 16);
    ck_assert_std_ne(a, b);
    ck_assert_uint_ge(time_of(a), before);
    ck_assert_uint_le(time_of(b), after);
    ck_assert_uint_le(time_of(a), time_of(b));
    ck_assert_uint_eq(new_record_id(6).size(), 6);
    bool thrown = false;
    try {
        new_record_id(5);
    } catch (const std::invalid_argument &) {
        thrown = true;
    }
    ck_assert(thrown);
}
END_TEST

/* A token stored under the SHA-256 of a 43-character secret (as stores
 * written before this format hold them) is still found by its secret. */
START_TEST(records_issued_before_stay_valid)
{
    temp_store ts;
    std::string legacy = base64url_encode(random_bytes(32));
    access_token_record rec{5000, new_record_id(16), "u_1", "seam",
                            "intercoms:read"};
    {
        txn t = ts.get().begin_write();
        t.put(table::tokens, sha256(legacy), encode(rec));
        t.commit();
    }
    auto found = find_access_token(ts.get(), legacy, 1000);
    ck_assert(found.has_value());
    ck_assert_std_eq(found->user_id, "u_1");
    /* the same random bytes in the new format are another secret */
    std::string raw = *base64url_decode(legacy);
    ck_assert(!find_access_token(ts.get(), make_secret(1, raw), 1000));
}
END_TEST

/* The issue time a key and a record id carry, for the end of an owner's
 * access (owners.h). */
START_TEST(issue_times)
{
    uint64_t before = now_ms();
    std::string secret = new_secret();
    uint64_t t = issued_ms(key_of(secret).view());
    ck_assert_uint_ge(t, before);
    ck_assert_uint_le(t, now_ms());
    ck_assert_uint_eq(issued_ms(key_of(std::string(43, 'a')).view()), 0);
    ck_assert_uint_eq(issued_ms("short"), 0);
    std::string id = new_record_id(16);
    ck_assert_uint_ge(record_id_ms(id), before);
    ck_assert_uint_eq(record_id_ms("12345"), 0);
}
END_TEST

Suite *
secrets_suite()
{
    Suite *s = suite_create("secrets");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, fresh_secrets);
    tcase_add_test(tc, keys_of_fresh_secrets);
    tcase_add_test(tc, keys_sort_by_issue_time);
    tcase_add_test(tc, other_strings_keyed_by_sha256);
    tcase_add_test(tc, record_ids);
    tcase_add_test(tc, records_issued_before_stay_valid);
    tcase_add_test(tc, issue_times);
    suite_add_tcase(s, tc);
    return s;
}
