/*
 * owners.h: the end of an owner's access voids what was made before it,
 * to the millisecond, and all of it for a removed account; sessions and
 * grants go at once; codes, sessions and grants made by another worker in
 * the same moment are voided where they are used (codes.cpp, sessions.cpp,
 * tokens.cpp, sign_in.cpp).
 */
#include "grant_fixtures.h"
#include "owners.h"
#include "secrets.h"
#include "sessions.h"
#include "sign_in.h"
#include "suites.h"
#include "users.h"

using namespace seam;

START_TEST(ended_by_time)
{
    temp_store ts;
    store &s = ts.get();
    ck_assert(!owner_access_ended(s, "u_1", 0));
    {
        txn t = s.begin_write();
        end_owner_access(t, "u_1", 5000, false);
        t.commit();
    }
    /* made at or before the end: void; after it: fine */
    ck_assert(owner_access_ended(s, "u_1", 4999));
    ck_assert(owner_access_ended(s, "u_1", 5000));
    ck_assert(!owner_access_ended(s, "u_1", 5001));
    ck_assert(!owner_access_ended(s, "u_2", 1));
    /* a time the key did not carry (0) is before any end */
    ck_assert(owner_access_ended(s, "u_1", 0));

    /* removed: all of it, whenever made */
    {
        txn t = s.begin_write();
        end_owner_access(t, "u_1", 6000, true);
        t.commit();
    }
    txn r = s.begin_read();
    ck_assert(owner_access_ended(r, "u_1", 99999999999999));
    r.abort();

    /* an account added again under that id starts afresh, from now */
    {
        txn t = s.begin_write();
        start_owner_access(t, "u_1", 7000);
        start_owner_access(t, "u_3", 7000);   /* none before: nothing */
        t.commit();
    }
    ck_assert(owner_access_ended(s, "u_1", 6999));
    ck_assert(!owner_access_ended(s, "u_1", 7001));
    ck_assert(!owner_access_ended(s, "u_3", 1));
}
END_TEST

START_TEST(ends_grants_and_sessions)
{
    temp_store ts;
    store &s = ts.get();
    redemption mine = redeem_fresh_code(s, "u_1", "devices", 1000, 1010,
                                        86400);
    redemption theirs = redeem_fresh_code(s, "u_2", "devices", 1000, 1010,
                                          86400);
    std::string session = *create_session(s, {2000, "u_1", "a@b.c", 900});
    std::string other = *create_session(s, {2000, "u_2", "d@e.f", 900});
    ck_assert(find_session(s, session, 1000).has_value());

    txn t = s.begin_write();
    ck_assert_uint_eq(end_owner_access(t, "u_1", now_ms(), false), 1);
    t.commit();

    ck_assert(!find_access_token(s, mine.access_token, 1020));
    ck_assert(find_access_token(s, theirs.access_token, 1020).has_value());
    ck_assert(!find_session(s, session, 1000));
    ck_assert(find_session(s, other, 1000).has_value());
    ck_assert_uint_eq(entries(s, table::sessions), 1);
}
END_TEST

/* What another worker was doing at that moment: a code issued before the
 * end does not redeem; a code for a session of before is not issued; a
 * refresh of a grant of before revokes it. */
START_TEST(voided_where_used)
{
    temp_store ts;
    store &s = ts.get();
    std::string code = issue(s, make_code("u_1"));
    redemption live = redeem_fresh_code(s, "u_1", "devices", 1000, 1010,
                                        86400);
    uint64_t before = now_ms();
    {
        txn t = s.begin_write();
        end_owner_access(t, "u_1", before + 1, false);
        t.commit();
    }
    redemption r = redeem_code(s, make_request(code));
    ck_assert(r.error == oauth_error::invalid_grant);
    ck_assert_std_eq(r.description, "the owner's access was revoked");

    oauth_config config;
    client_config c;
    c.id = "seam";
    authorization_request req;
    req.client = &c;
    ck_assert(issue_code_for(s, config, req, "u_1", before, 1000).result
              == issued_code::outcome::revoked);
    ck_assert(issue_code_for(s, config, req, "u_1", before + 5, 1000).result
              == issued_code::outcome::issued);

    /* the grant was revoked with the end; a refresh finds none */
    refresh_fails(s, make_refresh(live.refresh_token, 1020));
}
END_TEST

START_TEST(remove_user_ends_everything)
{
    temp_store ts;
    store &s = ts.get();
    std::string id;
    ck_assert(add_user(s, "a@example.com", "h", 1, &id) == user_change::done);
    std::string code = issue(s, make_code(id));
    std::string session = *create_session(s, {2000, id, "a@example.com", 900});
    ck_assert(remove_user(s, "a@example.com") == user_change::done);
    ck_assert(!find_session(s, session, 1000));
    ck_assert(redeem_code(s, make_request(code)).error
              == oauth_error::invalid_grant);
    /* added again: a new owner, with a new id */
    std::string again;
    ck_assert(add_user(s, "a@example.com", "h", 2, &again)
              == user_change::done);
    ck_assert_std_ne(again, id);
    ck_assert(owner_access_ended(s, id, now_ms() + 1000));
}
END_TEST

Suite *
owners_suite()
{
    Suite *s = suite_create("owners");
    TCase *tc = tcase_create("owners");
    tcase_add_test(tc, ended_by_time);
    tcase_add_test(tc, ends_grants_and_sessions);
    tcase_add_test(tc, voided_where_used);
    tcase_add_test(tc, remove_user_ends_everything);
    suite_add_tcase(s, tc);
    return s;
}
