/*
 * Sign-in sessions: a recent sign-in is remembered for session_ttl, so
 * that a second authorization may skip the password (the session cookie
 * holds a secret; the store keeps its key, secrets.h).
 */
#pragma once

#include "records.h"
#include "store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace seam {

/* The cookie value for a new session, or nullopt when the store is full. */
std::optional<std::string> create_session(store &s, session_record session);
/* When the session behind `cookie` was made (milliseconds, from the
 * cookie itself): when its owner last gave the password. */
uint64_t session_issued_ms(std::string_view cookie);
/* The live session behind a cookie value (none once its owner was
 * removed or disconnected, owners.h). Uses the store's reused read
 * transaction: event loop only. */
std::optional<session_record> find_session(store &s, std::string_view cookie,
                                           uint64_t now);

}  // namespace seam
