/*
 * Grants and their end: revoking a token (RFC 7009) or a whole grant
 * (a replayed code, the operator's "disconnect"), introspection (RFC
 * 7662), and the operator's listing of grants.
 */
#pragma once

#include "records.h"
#include "store.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace seam {

/* Deletes a grant and every token issued under it, inside `t`. */
bool revoke_grant(txn &t, std::string_view grant_id);

/* Access tokens of `g` still alive at `now`. */
size_t live_tokens(const grant_record &g, uint64_t now);
/* Whether `g` has any live access or refresh token. */
bool grant_alive(const grant_record &g, uint64_t now);

/* What revoke_token() revoked, for the audit log. */
struct revoked_token {
    std::string user_id;
    std::string grant_id;          /* hex */
    bool whole_grant = false;      /* a refresh token: its grant ended */
};

/* RFC 7009: revokes an access token, or the whole grant of a refresh
 * token, when it was issued to `client_id`; false when nothing was. */
bool revoke_token(store &s, std::string_view token,
                  std::string_view client_id, revoked_token *what = nullptr);

/* RFC 7662: what a token is, for introspection. */
struct token_info {
    bool active = false;
    bool refresh = false;
    std::string client_id;
    std::string user_id;
    std::string scope;
    uint64_t expires_at = 0;
};

token_info introspect_token(store &s, std::string_view token, uint64_t now);

struct grant_info {
    std::string grant_id;          /* hex */
    grant_record grant;
    size_t live_tokens = 0;
};

std::vector<grant_info> list_grants(store &s, uint64_t now);
/* Revokes by hex grant id; false when there is no such grant. */
bool revoke_grant_hex(store &s, std::string_view grant_id_hex);
/* Disconnects one owner: every grant revoked, its sessions deleted, and
 * its codes not yet redeemed void (owners.h); returns how many grants. */
size_t revoke_user_grants(store &s, std::string_view user_id);

}  // namespace seam
