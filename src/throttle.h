/*
 * Failed sign-ins and failed client authentications, counted in LMDB so
 * every worker sees them and they survive a reload (RFC 6819 §4.4.3.6,
 * §5.1.4.2.3). Past `limit` failures within `window`, each further failure
 * locks the key for twice as long as the last time (2 s, 4 s, 8 s ... up to
 * `max_lockout`); while locked, attempts are answered 429 with
 * Retry-After and no password is checked at all.
 */
#pragma once

#include "store.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace seam {

struct throttle_policy {
    uint32_t limit = 5;
    uint64_t window = 900;
    uint64_t max_lockout = 900;
};

/* The store key for one counter: the kind ("account", "ip", "client") and
 * the SHA-256 of what is counted, so no e-mail is kept in clear. */
std::string throttle_key(std::string_view kind, std::string_view id);

/* Seconds until `key` may try again; 0 when it may now. Uses the store's
 * reused reader: event loop only. */
uint64_t throttle_wait(store &s, std::string_view key, uint64_t now);
/* The same with its own read transaction, for thread-pool threads. */
uint64_t throttle_wait_threaded(store &s, std::string_view key, uint64_t now);

/*
 * An attempt reserved before the work it guards (a password hash): in one
 * write transaction, each key is checked and, when none is locked,
 * counted as a failure until refunded, so that parallel attempts never
 * outnumber the limit. Returns 0 when reserved, else the longest wait of
 * a locked key (and nothing is counted).
 */
struct throttle_slot {
    std::string key;
    throttle_policy policy;
};
uint64_t throttle_reserve(store &s, const std::vector<throttle_slot> &slots,
                          uint64_t now);
/* Gives a reserved attempt back when it did not fail (the guarded work
 * could not be done); a lock it caused is lifted. */
void throttle_refund(store &s, const throttle_slot &slot);

/* Counts one failure; returns the wait it now imposes (0: none yet). */
uint64_t throttle_failure(store &s, std::string_view key,
                          const throttle_policy &p, uint64_t now);

/* Forgets the failures of `key` (after a successful sign-in). */
void throttle_reset(store &s, std::string_view key);

/* Whether a stored counter is over (its window passed, no lock left). */
bool throttle_expired(std::string_view value, uint64_t now, uint64_t window);

}  // namespace seam
