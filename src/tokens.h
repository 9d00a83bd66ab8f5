/*
 * Access and refresh tokens: minted under a grant, looked up by the bearer
 * check, and renewed by grant_type=refresh_token (RFC 6749 §6). Every
 * token hangs off its grant record (revocation.h), so that revoking the
 * grant kills them all.
 */
#pragma once

#include "oauth_error.h"
#include "records.h"
#include "store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace seam {

/* The outcome of a redemption or a refresh: tokens, or an error. */
struct redemption {
    oauth_error error = oauth_error::none;
    std::string description;
    bool replay = false;           /* a reused code or refresh token: its
                                      grant was revoked */
    std::string revoked_grant;     /* replay: that grant's id */
    /* the store could not be written (full, a full disk, an I/O error):
     * 503 temporarily_unavailable, and what the operator reads */
    bool store_full = false;
    std::string store_message;
    std::string access_token;
    access_token_record token;
    std::string refresh_token;
    uint64_t expires_in = 0;
};

/* What a redemption or refresh answers when the store `s` cannot be
 * written, for `why` (store::write_failure). */
redemption store_full_redemption(store &s, std::string why = "");

/* Stores `secret` as an access token of `grant` (for `ttl` seconds, with
 * `scope`) inside `t`, and puts it in `out`; the caller writes `grant`. */
void mint_access_token(txn &t, grant_record &grant,
                       const std::string &grant_id, std::string secret,
                       uint64_t now, uint64_t ttl, const std::string &scope,
                       redemption &out);
/* The same for a refresh token. */
void mint_refresh_token(txn &t, grant_record &grant,
                        const std::string &grant_id, std::string secret,
                        uint64_t now, uint64_t ttl, redemption &out);

/*
 * grant_type=refresh_token. Seam refreshes often and from several
 * workflows at once, so a refresh never touches live access tokens.
 * Without rotation the refresh token stays the same and its lifetime
 * restarts at each use. With rotation, the new pair is derived from the
 * old refresh token and `key` (the server key, csrf.h), so a replay within
 * `grace` seconds gets the very same pair; a replay after that revokes
 * the whole grant (RFC 9700 §4.14).
 */
struct refresh_request {
    std::string refresh_token;
    std::string client_id;
    std::optional<std::string> scope;
    uint64_t now = 0;
    uint64_t access_token_ttl = 3600;
    uint64_t refresh_token_ttl = 30 * 86400;
    bool rotate = false;
    uint64_t grace = 60;
    std::string key;
};

redemption refresh_grant(store &s, const refresh_request &req);

/* The live access token `token`, or nullopt (unknown, expired, revoked).
 * Uses the store's reused read transaction: event loop only. */
std::optional<access_token_record> find_access_token(store &s,
                                                     std::string_view token,
                                                     uint64_t now);
/* The same into `out`, whose strings keep their capacity from one call
 * to the next: the bearer check allocates nothing once warm. */
bool find_access_token(store &s, std::string_view token, uint64_t now,
                       access_token_record &out);

}  // namespace seam
