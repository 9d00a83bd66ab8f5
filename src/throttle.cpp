#include "throttle.h"
#include "crypto.h"
#include "records.h"

#include <algorithm>

namespace seam {

std::string
throttle_key(std::string_view kind, std::string_view id)
{
    std::string key(kind);
    key.push_back('\0');
    key.append(sha256(id));
    return key;
}

static uint64_t
wait_of(const std::optional<throttle_record> &r, uint64_t now)
{
    return r && r->locked_until > now ? r->locked_until - now : 0;
}

uint64_t
throttle_wait(store &s, std::string_view key, uint64_t now)
{
    std::optional<throttle_record> r;
    s.read_one(table::throttle, key,
               [&](std::string_view v) { r = decode_throttle(v); });
    return wait_of(r, now);
}

uint64_t
throttle_wait_threaded(store &s, std::string_view key, uint64_t now)
{
    txn t = s.begin_read();
    auto v = t.get(table::throttle, key);
    return wait_of(v ? decode_throttle(*v) : std::nullopt, now);
}

/* One more failure of `r` at `now` under `p`. */
static void
count_failure(throttle_record &r, const throttle_policy &p, uint64_t now)
{
    if (now >= r.window_start + p.window && r.locked_until <= now) {
        r = throttle_record{now, 0, 0, 0};
    }
    r.failures++;
    if (r.failures >= p.limit) {
        uint64_t lockout = r.last_lockout == 0 ? 2 : r.last_lockout * 2;
        lockout = std::min(lockout, p.max_lockout);
        r.last_lockout = lockout;
        r.locked_until = now + lockout;
    }
}

static throttle_record
record_in(txn &t, std::string_view key)
{
    auto v = t.get(table::throttle, key);
    return v ? decode_throttle(*v).value_or(throttle_record{})
             : throttle_record{};
}

uint64_t
throttle_failure(store &s, std::string_view key, const throttle_policy &p,
                 uint64_t now)
{
    txn t = s.begin_write();
    throttle_record r = record_in(t, key);
    count_failure(r, p, now);
    t.put(table::throttle, key, encode(r));
    t.commit();
    return wait_of(r, now);
}

uint64_t
throttle_reserve(store &s, const std::vector<throttle_slot> &slots,
                 uint64_t now)
{
    txn t = s.begin_write();
    std::vector<throttle_record> records;
    uint64_t wait = 0;
    for (const throttle_slot &slot : slots) {
        records.push_back(record_in(t, slot.key));
        wait = std::max(wait, wait_of(records.back(), now));
    }
    if (wait) {
        return wait;
    }
    for (size_t i = 0; i < slots.size(); i++) {
        count_failure(records[i], slots[i].policy, now);
        t.put(table::throttle, slots[i].key, encode(records[i]));
    }
    t.commit();
    return 0;
}

void
throttle_refund(store &s, const throttle_slot &slot)
{
    txn t = s.begin_write();
    auto v = t.get(table::throttle, slot.key);
    auto r = v ? decode_throttle(*v) : std::nullopt;
    if (!r || r->failures == 0) {
        return;
    }
    r->failures--;
    if (r->failures < slot.policy.limit && r->locked_until != 0) {
        /* the lock this attempt's reservation set */
        r->locked_until = 0;
        r->last_lockout = r->last_lockout > 2 ? r->last_lockout / 2 : 0;
    }
    t.put(table::throttle, slot.key, encode(*r));
    t.commit();
}

void
throttle_reset(store &s, std::string_view key)
{
    txn t = s.begin_write();
    if (t.del(table::throttle, key)) {
        t.commit();
    }
}

bool
throttle_expired(std::string_view value, uint64_t now, uint64_t window)
{
    auto r = decode_throttle(value);
    return r && r->locked_until <= now && now >= r->window_start + window;
}

}  // namespace seam
