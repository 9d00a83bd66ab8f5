/*
 * users.h: owner accounts keyed by lower-cased e-mail, and the revocation
 * of every grant when an owner is removed.
 */
#include "codes.h"
#include "revocation.h"
#include "sessions.h"
#include "sweep.h"
#include "tokens.h"
#include "helpers.h"
#include "suites.h"
#include "users.h"

using namespace seam;

START_TEST(normalize)
{
    ck_assert_std_eq(normalize_email("Owner.Name@Example.COM"),
                     "owner.name@example.com");
    ck_assert_std_eq(normalize_email("a@b.c"), "a@b.c");
    /* ASCII only: other bytes are left alone */
    ck_assert_std_eq(normalize_email("\xc3\x89T\xc3\xa9@X.org"),
                     "\xc3\x89t\xc3\xa9@x.org");
    ck_assert_std_eq(normalize_email("@[]^_`{"), "@[]^_`{");
}
END_TEST

START_TEST(valid)
{
    ck_assert(valid_email("a@b"));
    ck_assert(valid_email("owner@example.com"));
    ck_assert(valid_email(std::string(250, 'a') + "@b.c"));     /* 254 */
    ck_assert(!valid_email(std::string(251, 'a') + "@b.c"));    /* 255 */
    ck_assert(!valid_email(""));
    ck_assert(!valid_email("a@"));
    ck_assert(!valid_email("@ab"));
    ck_assert(!valid_email("ab@"));
    ck_assert(!valid_email("abc"));
    ck_assert(!valid_email("a b@c"));
    ck_assert(!valid_email("a@b\tc"));
    ck_assert(!valid_email("a@b\x7f"));
    ck_assert(!valid_email("\xc3\xa9@b.c"));
    ck_assert(!valid_email(std::string("a\0@b", 4)));
    ck_assert(!valid_email("a@b\r\n"));
}
END_TEST

START_TEST(add_and_find)
{
    temp_store ts;
    store &s = ts.get();
    std::string id;
    ck_assert(add_user(s, "Owner@Example.com", "hash-1", 77, &id)
              == user_change::done);
    /* "u_" and 32 hex digits, not derived from the e-mail */
    ck_assert_uint_eq(id.size(), 34);
    ck_assert_std_eq(id.substr(0, 2), "u_");
    ck_assert(id.find_first_not_of("0123456789abcdef", 2)
              == std::string::npos);

    auto u = find_user(s, "owner@example.com");
    ck_assert(u.has_value());
    ck_assert_std_eq(u->user_id, id);
    ck_assert_std_eq(u->password_hash, "hash-1");
    ck_assert(u->created_at == 77);
    /* any case */
    ck_assert(find_user(s, "OWNER@EXAMPLE.COM").has_value());
    auto t = find_user(s, "Owner@example.COM");
    ck_assert(t.has_value());
    ck_assert_std_eq(t->user_id, id);

    ck_assert(!find_user(s, "other@example.com"));
    ck_assert(!find_user(s, "owner@example.co"));

    auto all = list_users(s);
    ck_assert_uint_eq(all.size(), 1);
    ck_assert_std_eq(all[0].first, "owner@example.com");
    ck_assert_std_eq(all[0].second.user_id, id);
}
END_TEST

START_TEST(duplicate)
{
    temp_store ts;
    store &s = ts.get();
    std::string first, second = "untouched";
    ck_assert(add_user(s, "a@example.com", "h1", 1, &first)
              == user_change::done);
    ck_assert(add_user(s, "A@EXAMPLE.COM", "h2", 2, &second)
              == user_change::exists);
    ck_assert_std_eq(second, "untouched");
    auto u = find_user(s, "a@example.com");
    ck_assert(u.has_value());
    ck_assert_std_eq(u->password_hash, "h1");
    ck_assert_std_eq(u->user_id, first);
    ck_assert_uint_eq(list_users(s).size(), 1);
}
END_TEST

START_TEST(distinct_ids)
{
    temp_store ts;
    std::string a, b;
    ck_assert(add_user(ts.get(), "a@example.com", "h", 1, &a)
              == user_change::done);
    ck_assert(add_user(ts.get(), "b@example.com", "h", 1, &b)
              == user_change::done);
    ck_assert_std_ne(a, b);
    ck_assert(add_user(ts.get(), "c@example.com", "h", 1)
              == user_change::done);
    ck_assert_uint_eq(list_users(ts.get()).size(), 3);
}
END_TEST

START_TEST(passwd)
{
    temp_store ts;
    store &s = ts.get();
    std::string id;
    add_user(s, "a@example.com", "old", 5, &id);
    ck_assert(set_password(s, "A@example.com", "new") == user_change::done);
    auto u = find_user(s, "a@example.com");
    ck_assert(u.has_value());
    ck_assert_std_eq(u->password_hash, "new");
    /* the id and creation time stay */
    ck_assert_std_eq(u->user_id, id);
    ck_assert(u->created_at == 5);
    ck_assert(set_password(s, "b@example.com", "x")
              == user_change::not_found);
    ck_assert(!find_user(s, "b@example.com"));
}
END_TEST

START_TEST(remove_revokes_grants)
{
    temp_store ts;
    store &s = ts.get();
    std::string alice, bob;
    add_user(s, "alice@example.com", "h", 1, &alice);
    add_user(s, "bob@example.com", "h", 1, &bob);

    auto token_for = [&](const std::string &user) {
        return redeem_fresh_code(s, user, "", 1000, 1001, 30 * 86400)
            .access_token;
    };
    std::string a1 = token_for(alice), a2 = token_for(alice);
    std::string b1 = token_for(bob);
    ck_assert(find_access_token(s, a1, 1002).has_value());

    ck_assert(remove_user(s, "ALICE@example.com") == user_change::done);
    ck_assert(!find_user(s, "alice@example.com"));
    ck_assert(!find_access_token(s, a1, 1002));
    ck_assert(!find_access_token(s, a2, 1002));
    ck_assert(find_access_token(s, b1, 1002).has_value());
    ck_assert(find_user(s, "bob@example.com").has_value());

    ck_assert(remove_user(s, "alice@example.com") == user_change::not_found);

    /* added again: a new user_id, the old tokens stay dead */
    std::string again;
    ck_assert(add_user(s, "alice@example.com", "h", 2, &again)
              == user_change::done);
    ck_assert_std_ne(again, alice);
    ck_assert(!find_access_token(s, a1, 1002));
}
END_TEST

START_TEST(add_with_device_cloud_id)
{
    temp_store ts;
    store &s = ts.get();
    std::string id;
    ck_assert(add_user(s, "erin@example.com", "h", 1, &id, "dc-1001")
              == user_change::done);
    ck_assert_std_eq(id, "dc-1001");
    ck_assert_std_eq(find_user(s, "ERIN@example.com")->user_id, "dc-1001");
    /* unique: another owner cannot take it, not even by case */
    ck_assert(add_user(s, "frank@example.com", "h", 1, nullptr, "dc-1001")
              == user_change::id_taken);
    ck_assert(!find_user(s, "frank@example.com"));
    ck_assert(add_user(s, "frank@example.com", "h", 1, nullptr, "DC-1001")
              == user_change::done);
    /* the e-mail is checked first */
    ck_assert(add_user(s, "erin@example.com", "h", 1, nullptr, "dc-2")
              == user_change::exists);
    /* without an id, a random one, never one given */
    std::string random;
    ck_assert(add_user(s, "gina@example.com", "h", 1, &random)
              == user_change::done);
    ck_assert_std_eq(random.substr(0, 2), "u_");
    ck_assert_uint_eq(list_users(s).size(), 3);
}
END_TEST

Suite *
users_suite()
{
    Suite *s = suite_create("users");
    TCase *tc = tcase_create("email");
    tcase_add_test(tc, normalize);
    tcase_add_test(tc, valid);
    suite_add_tcase(s, tc);

    tc = tcase_create("store");
    tcase_add_test(tc, add_and_find);
    tcase_add_test(tc, duplicate);
    tcase_add_test(tc, distinct_ids);
    tcase_add_test(tc, passwd);
    tcase_add_test(tc, remove_revokes_grants);
    tcase_add_test(tc, add_with_device_cloud_id);
    suite_add_tcase(s, tc);
    return s;
}
