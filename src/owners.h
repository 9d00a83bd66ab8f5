/*
 * The end of an owner's access: when the operator removes an account or
 * disconnects an owner (grant revoke --user), every grant of the owner
 * is revoked, its sign-in sessions deleted, and a record under its
 * user_id voids whatever else of it was made until then: a code not yet
 * redeemed, a session or a grant being made in another worker at that
 * moment. Codes, sessions and grants carry their issue time in their
 * keys (secrets.h), to the millisecond, so that one comparison decides.
 */
#pragma once

#include "store.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace seam {

/* Inside `t`: revokes the owner's grants, deletes its sessions and voids
 * all of it made up to `now_ms`; with `removed` (the account is gone),
 * all of it whenever made. Returns how many grants were revoked. */
size_t end_owner_access(txn &t, std::string_view user_id, uint64_t now_ms,
                        bool removed);

/* An account added (again) under `user_id`: made now, it may sign in;
 * what an earlier owner of that id had stays void. */
void start_owner_access(txn &t, std::string_view user_id, uint64_t now_ms);

/* Whether something of `user_id` made at `issued_ms` (a code, a session,
 * a grant; 0 when its time is unknown) has been voided. */
bool owner_access_ended(txn &t, std::string_view user_id, uint64_t issued_ms);
/* The same with the store's reused reader: event loop only. */
bool owner_access_ended(store &s, std::string_view user_id,
                        uint64_t issued_ms);

}  // namespace seam
