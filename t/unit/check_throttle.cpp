/*
 * throttle.h on a temporary store (RFC 6819 §4.4.3.6; security.md item
 * 29, rows 20 and 26): failures counted per key within a window, locks
 * that double up to the longest, attempts reserved before the work they
 * guard (so that parallel ones never outnumber the limit) and refunded
 * when it could not be done; the records round trip and expire.
 */
#include "helpers.h"
#include "records.h"
#include "suites.h"
#include "throttle.h"

using namespace seam;

namespace {

const throttle_policy three{3, 60, 16};

std::optional<throttle_record>
record_of(store &s, std::string_view key)
{
    txn t = s.begin_read();
    auto v = t.get(table::throttle, key);
    return v ? decode_throttle(*v) : std::nullopt;
}

}  // namespace

START_TEST(keys)
{
    std::string a = throttle_key("account", "owner@example.com");
    ck_assert_uint_eq(a.size(), 7 + 1 + 32);
    ck_assert(a.rfind(std::string("account\0", 8), 0) == 0);
    ck_assert_std_ne(a, throttle_key("ip", "owner@example.com"));
    ck_assert_std_ne(a, throttle_key("account", "other@example.com"));
    /* the e-mail is not kept in clear */
    ck_assert(a.find("owner") == std::string::npos);
}
END_TEST

START_TEST(failures_lock_and_double)
{
    temp_store ts;
    store &s = ts.get();
    std::string k = throttle_key("account", "a");
    ck_assert_uint_eq(throttle_failure(s, k, three, 1000), 0);
    ck_assert_uint_eq(throttle_failure(s, k, three, 1000), 0);
    /* the third: locked 2 s, then 4, 8, 16 and no more */
    ck_assert_uint_eq(throttle_failure(s, k, three, 1000), 2);
    ck_assert_uint_eq(throttle_wait(s, k, 1000), 2);
    ck_assert_uint_eq(throttle_wait_threaded(s, k, 1001), 1);
    ck_assert_uint_eq(throttle_wait(s, k, 1002), 0);
    ck_assert_uint_eq(throttle_failure(s, k, three, 1002), 4);
    ck_assert_uint_eq(throttle_failure(s, k, three, 1006), 8);
    ck_assert_uint_eq(throttle_failure(s, k, three, 1014), 16);
    ck_assert_uint_eq(throttle_failure(s, k, three, 1030), 16);
    /* a success forgets it all */
    throttle_reset(s, k);
    ck_assert(!record_of(s, k));
    ck_assert_uint_eq(throttle_failure(s, k, three, 1046), 0);
}
END_TEST

START_TEST(window)
{
    temp_store ts;
    store &s = ts.get();
    std::string k = throttle_key("ip", "192.0.2.1");
    throttle_failure(s, k, three, 1000);
    throttle_failure(s, k, three, 1000);
    /* past the window, unlocked: the count starts again */
    ck_assert_uint_eq(throttle_failure(s, k, three, 1061), 0);
    ck_assert_uint_eq(record_of(s, k)->failures, 1);
    ck_assert_uint_eq(record_of(s, k)->window_start, 1061);
    auto v = encode(*record_of(s, k));
    ck_assert(!throttle_expired(v, 1100, 60));
    ck_assert(throttle_expired(v, 1121, 60));
}
END_TEST

/* At most the limit in flight: reservations count before the work. */
START_TEST(reservations)
{
    temp_store ts;
    store &s = ts.get();
    throttle_slot account{throttle_key("account", "a"), three};
    throttle_slot ip{throttle_key("ip", "192.0.2.1"), throttle_policy{5, 60,
                                                                      16}};
    int reserved = 0;
    uint64_t wait = 0;
    for (int i = 0; i < 10; i++) {
        uint64_t w = throttle_reserve(s, {account, ip}, 1000);
        reserved += w == 0;
        wait = std::max(wait, w);
    }
    ck_assert_int_eq(reserved, 3);
    ck_assert_uint_eq(wait, 2);
    /* a refused reservation counted nothing, at either key */
    ck_assert_uint_eq(record_of(s, account.key)->failures, 3);
    ck_assert_uint_eq(record_of(s, ip.key)->failures, 3);

    /* refunds: the lock the third caused is lifted with it */
    throttle_refund(s, account);
    ck_assert_uint_eq(record_of(s, account.key)->failures, 2);
    ck_assert_uint_eq(throttle_wait(s, account.key, 1000), 0);
    ck_assert_uint_eq(throttle_reserve(s, {account}, 1000), 0);
    ck_assert_uint_eq(throttle_wait(s, account.key, 1000), 2);
    /* a refund of nothing counted does nothing */
    throttle_slot fresh{throttle_key("account", "b"), three};
    throttle_refund(s, fresh);
    ck_assert(!record_of(s, fresh.key));
}
END_TEST

START_TEST(record_round_trip)
{
    throttle_record r{1000, 4, 1016, 16};
    auto d = decode_throttle(encode(r));
    ck_assert(d.has_value());
    ck_assert_uint_eq(d->window_start, 1000);
    ck_assert_uint_eq(d->failures, 4);
    ck_assert_uint_eq(d->locked_until, 1016);
    ck_assert_uint_eq(d->last_lockout, 16);
    /* a locked record is not expired, whatever its window */
    ck_assert(!throttle_expired(encode(r), 1010, 1));
    ck_assert(throttle_expired(encode(r), 1016, 1));
    ck_assert(!throttle_expired("garbage", 5000, 1));
}
END_TEST

Suite *
throttle_suite()
{
    Suite *s = suite_create("throttle");
    TCase *tc = tcase_create("throttle");
    tcase_add_test(tc, keys);
    tcase_add_test(tc, failures_lock_and_double);
    tcase_add_test(tc, window);
    tcase_add_test(tc, reservations);
    tcase_add_test(tc, record_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
