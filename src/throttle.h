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

/* Counts one failure; returns the wait it now imposes (0: none yet). */
uint64_t throttle_failure(store &s, std::string_view key,
                          const throttle_policy &p, uint64_t now);

/* Forgets the failures of `key` (after a successful sign-in). */
void throttle_reset(store &s, std::string_view key);

/* Whether a stored counter is over (its window passed, no lock left). */
bool throttle_expired(std::string_view value, uint64_t now, uint64_t window);

}  // namespace seam
