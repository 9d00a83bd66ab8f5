/*
 * sign_in.h: the sign-in use case on a temporary store, with the store's
 * own accounts (argon2id) and with a source that is unavailable:
 * sessions, codes when no consent is due, throttles (RFC 6819 §4.4.3.6;
 * security.md item 29, row 20) and a full store.
 */
#include "authorize_fixtures.h"
#include "codes.h"
#include "password.h"
#include "revocation.h"
#include "secrets.h"
#include "sessions.h"
#include "sign_in.h"
#include "suites.h"
#include "throttle.h"
#include "users.h"

using namespace seam;
using outcome = sign_in_result::outcome;
using verdict = account_check::verdict;

namespace {

/* The cheapest argon2id the library takes: these tests are about the use
 * case, not the hash (check_password.cpp is). */
std::string
cheap_hash(std::string_view password)
{
    password_params p;
    p.time_cost = 1;
    p.memory_kib = 8;
    return hash_password(password, p);
}

std::string
add_owner(store &s, const char *email, const char *password)
{
    std::string id;
    ck_assert(add_user(s, email, cheap_hash(password), 1, &id)
              == user_change::done);
    return id;
}

sign_in_request
request_for(const oauth_config &config, const char *client,
            const char *email, const char *password)
{
    sign_in_request r;
    r.authz.client = config.find(client);
    r.authz.redirect_uri = client == std::string("quick")
                           ? "https://quick.example/cb" : seam_redirect;
    r.authz.redirect_to = r.authz.redirect_uri;
    r.email = email;
    r.password = password;
    r.ip = "192.0.2.7";
    r.now = 1000;
    return r;
}

/* A source of accounts that cannot answer now (the device cloud's login
 * API down, say), counting the checks it was asked for. */
class unavailable_accounts : public account_source {
public:
    account_check check(std::string_view, std::string_view) override
    {
        checks++;
        account_check c;
        c.result = account_check::verdict::unavailable;
        c.why = "the login service answered 500";
        return c;
    }
    int checks = 0;
};

}  // namespace

START_TEST(signed_in_with_consent_due)
{
    authorize_fixture f;
    store &s = f.ts.get();
    std::string id = add_owner(s, "owner@example.com", "right password");
    store_accounts accounts(s);

    sign_in_result r = sign_in(s, f.config,
                               request_for(f.config, "seam",
                                           "Owner@Example.COM",
                                           "right password"),
                               accounts);
    ck_assert(r.result == outcome::signed_in);
    ck_assert_std_eq(r.user_id, id);
    ck_assert_std_eq(r.email, "owner@example.com");
    ck_assert(!r.code);   /* "seam" asks for consent */
    auto session = find_session(s, r.session, 1000);
    ck_assert(session.has_value());
    ck_assert_std_eq(session->user_id, id);
    ck_assert_uint_eq(session->expires_at, 1000 + f.config.session_ttl);
}
END_TEST

START_TEST(signed_in_without_consent)
{
    authorize_fixture f;
    store &s = f.ts.get();
    add_owner(s, "owner@example.com", "right password");
    store_accounts accounts(s);

    sign_in_result r = sign_in(s, f.config,
                               request_for(f.config, "quick",
                                           "owner@example.com",
                                           "right password"),
                               accounts);
    ck_assert(r.result == outcome::signed_in);
    ck_assert(r.code.has_value());
    ck_assert_uint_eq(r.code->size(), 51);
}
END_TEST

START_TEST(wrong_credentials_and_lock)
{
    authorize_fixture f;
    f.config.throttle_account = 3;
    store &s = f.ts.get();
    add_owner(s, "owner@example.com", "right password");
    store_accounts accounts(s);
    sign_in_request req = request_for(f.config, "seam", "owner@example.com",
                                      "wrong");
    req.now = static_cast<uint64_t>(time(nullptr));

    for (int i = 0; i < 3; i++) {
        sign_in_result r = sign_in(s, f.config, req, accounts);
        ck_assert(r.result == outcome::wrong_credentials);
        ck_assert_std_eq(r.session, "");
        ck_assert(!r.code);
    }
    /* the third failure locked the account: even the right password is
     * not checked now (the same second: a lock lasts 2 s at first, and
     * three argon2id hashes on a busy machine may take longer) */
    req.password = "right password";
    sign_in_result r = sign_in(s, f.config, req, accounts);
    ck_assert(r.result == outcome::locked);
    ck_assert_uint_gt(r.retry_after, 0);
    ck_assert_std_eq(r.session, "");

    /* an unknown e-mail is counted like a known one */
    sign_in_request unknown = request_for(f.config, "seam",
                                          "nobody@example.com", "x");
    unknown.ip = "192.0.2.99";
    unknown.now = req.now;
    for (int i = 0; i < 3; i++) {
        ck_assert(sign_in(s, f.config, unknown, accounts).result
                  == outcome::wrong_credentials);
    }
    ck_assert(sign_in(s, f.config, unknown, accounts).result
              == outcome::locked);
}
END_TEST

START_TEST(success_resets_the_account)
{
    authorize_fixture f;
    f.config.throttle_account = 3;
    store &s = f.ts.get();
    add_owner(s, "owner@example.com", "right password");
    store_accounts accounts(s);
    sign_in_request req = request_for(f.config, "seam", "owner@example.com",
                                      "wrong");
    for (int i = 0; i < 2; i++) {
        sign_in(s, f.config, req, accounts);
    }
    req.password = "right password";
    ck_assert(sign_in(s, f.config, req, accounts).result
              == outcome::signed_in);
    /* the count starts again: two more failures do not lock */
    req.password = "wrong";
    for (int i = 0; i < 2; i++) {
        ck_assert(sign_in(s, f.config, req, accounts).result
                  == outcome::wrong_credentials);
    }
}
END_TEST

START_TEST(unavailable_source)
{
    authorize_fixture f;
    store &s = f.ts.get();
    unavailable_accounts down;
    sign_in_request req = request_for(f.config, "seam", "owner@example.com",
                                      "whatever");
    for (int i = 0; i < 10; i++) {
        sign_in_result r = sign_in(s, f.config, req, down);
        ck_assert(r.result == outcome::unavailable);
        ck_assert_std_eq(r.why, "the login service answered 500");
        ck_assert(!r.store_full);
    }
    /* an outage is no failure of the owner's: nothing was counted */
    ck_assert_int_eq(down.checks, 10);
    ck_assert_uint_eq(throttle_wait_threaded(s, throttle_key("account",
                                                 "owner@example.com"),
                                             1000), 0);
}
END_TEST

START_TEST(full_store)
{
    authorize_fixture f;
    temp_store small(64 * 1024);
    store &s = small.get();
    add_owner(s, "owner@example.com", "right password");
    store_accounts accounts(s);
    /* fill the map with sessions until one does not fit */
    for (int i = 0; i < 100000; i++) {
        if (!create_session(s, {2000, "u", std::string(200, 'e'), 1})) {
            break;
        }
    }
    sign_in_result r = sign_in(s, f.config,
                               request_for(f.config, "quick",
                                           "owner@example.com",
                                           "right password"),
                               accounts);
    ck_assert(r.result == outcome::unavailable);
    ck_assert(r.store_full);
    ck_assert_contains(r.why, "is full (map_size 65536); raise map_size");
}
END_TEST

/* The device cloud's accounts: the same use case in two halves, with the
 * login API's verdict in between (login_check.h). */
account_check
device_cloud(verdict v, std::string id = "")
{
    account_check c;
    c.result = v;
    c.user_id = std::move(id);
    if (v == verdict::unavailable) {
        c.why = "the login check answered 500";
    }
    return c;
}

START_TEST(device_cloud_signs_in)
{
    authorize_fixture f;
    store &s = f.ts.get();
    sign_in_request req = request_for(f.config, "seam", "Alice", "pw");
    ck_assert(!reserve_sign_in(s, f.config, req));
    sign_in_result r = finish_sign_in(s, f.config, req,
                                      device_cloud(verdict::ok, "cust-42"),
                                      now_ms());
    ck_assert(r.result == outcome::signed_in);
    ck_assert_std_eq(r.user_id, "cust-42");
    /* the name as the owner typed it: the device cloud decides */
    ck_assert_std_eq(r.email, "Alice");
    ck_assert(!r.code);
    auto session = find_session(s, r.session, 1000);
    ck_assert(session.has_value());
    ck_assert_std_eq(session->user_id, "cust-42");
    ck_assert_std_eq(session->email, "Alice");

    /* no consent due: a code for that owner */
    sign_in_request quick = request_for(f.config, "quick", "alice", "pw");
    ck_assert(!reserve_sign_in(s, f.config, quick));
    r = finish_sign_in(s, f.config, quick,
                       device_cloud(verdict::ok, "cust-42"), now_ms());
    ck_assert(r.code.has_value());
    redemption_request redeem;
    redeem.code = *r.code;
    redeem.client_id = "quick";
    redeem.redirect_uri = "https://quick.example/cb";
    redeem.now = 1001;
    redemption token = redeem_code(s, redeem);
    ck_assert(token.error == oauth_error::none);
    ck_assert_std_eq(token.token.user_id, "cust-42");
}
END_TEST

START_TEST(device_cloud_wrong_locks_before_asking)
{
    authorize_fixture f;
    f.config.throttle_account = 3;
    store &s = f.ts.get();
    sign_in_request req = request_for(f.config, "seam", "bob", "wrong");
    req.now = static_cast<uint64_t>(time(nullptr));
    for (int i = 0; i < 3; i++) {
        ck_assert(!reserve_sign_in(s, f.config, req));
        ck_assert(finish_sign_in(s, f.config, req,
                                 device_cloud(verdict::wrong), now_ms())
                      .result
                  == outcome::wrong_credentials);
    }
    /* locked: the reservation answers, and nothing is checked */
    auto locked = reserve_sign_in(s, f.config, req);
    ck_assert(locked.has_value());
    ck_assert(locked->result == outcome::locked);
    ck_assert_uint_gt(locked->retry_after, 0);
    /* the account's counter is the name lower-cased: BOB is bob */
    sign_in_request upper = req;
    upper.email = "BOB";
    upper.ip = "192.0.2.200";
    ck_assert(reserve_sign_in(s, f.config, upper).has_value());
}
END_TEST

START_TEST(device_cloud_outage_is_refunded)
{
    authorize_fixture f;
    f.config.throttle_account = 3;
    store &s = f.ts.get();
    sign_in_request req = request_for(f.config, "seam", "carol", "pw");
    for (int i = 0; i < 10; i++) {
        ck_assert(!reserve_sign_in(s, f.config, req));
        sign_in_result r = finish_sign_in(s, f.config, req,
                                          device_cloud(verdict::unavailable),
                                          now_ms());
        ck_assert(r.result == outcome::unavailable);
        ck_assert_std_eq(r.why, "the login check answered 500");
        ck_assert_std_eq(r.session, "");
        ck_assert(!r.code);
    }
    ck_assert(!reserve_sign_in(s, f.config, req));
}
END_TEST

START_TEST(device_cloud_owner_disconnected_meanwhile)
{
    authorize_fixture f;
    store &s = f.ts.get();
    sign_in_request req = request_for(f.config, "quick", "dave", "pw");
    uint64_t asked = now_ms();
    ck_assert(!reserve_sign_in(s, f.config, req));
    /* the operator disconnects the owner while its password is checked */
    revoke_user_grants(s, "d-1");
    sign_in_result r = finish_sign_in(s, f.config, req,
                                      device_cloud(verdict::ok, "d-1"), asked);
    ck_assert(r.result == outcome::wrong_credentials);
    ck_assert(!r.code);
}
END_TEST

Suite *
sign_in_suite()
{
    Suite *s = suite_create("sign_in");
    TCase *tc = tcase_create("sign_in");
    /* real argon2id hashes (the decoy's): seconds on a busy machine */
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, signed_in_with_consent_due);
    tcase_add_test(tc, signed_in_without_consent);
    tcase_add_test(tc, wrong_credentials_and_lock);
    tcase_add_test(tc, success_resets_the_account);
    tcase_add_test(tc, unavailable_source);
    tcase_add_test(tc, full_store);
    tcase_add_test(tc, device_cloud_signs_in);
    tcase_add_test(tc, device_cloud_wrong_locks_before_asking);
    tcase_add_test(tc, device_cloud_outage_is_refunded);
    tcase_add_test(tc, device_cloud_owner_disconnected_meanwhile);
    suite_add_tcase(s, tc);
    return s;
}
