/*
 * The sweep: expired codes, tombstones, tokens, sessions and throttle
 * counters deleted, and grants left without a live token, in bounded
 * write transactions (the write lock is held meanwhile). One nginx worker
 * runs it on a timer; the CLI on demand.
 */
#pragma once

#include "store.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace seam {

struct sweep_counts {
    size_t codes = 0;
    size_t tokens = 0;
    size_t grants = 0;
    size_t sessions = 0;
    size_t throttles = 0;
};

/* At most `batch` records per write transaction. */
sweep_counts sweep_expired(store &s, uint64_t now, size_t batch = 1000);

/* "N codes, N tokens, N grants, N sessions, N throttles" */
std::string describe(const sweep_counts &c);
/* Whether anything was swept. */
bool any(const sweep_counts &c);

}  // namespace seam
