/*
 * The life of a grant: an authorization code is issued after sign-in,
 * redeemed once for an access token in one write transaction, and every
 * token hangs off a grant record so that a replayed code (RFC 6749
 * §4.1.2) or an operator's revocation kills them all. Secrets are never
 * stored: keys are their SHA-256, after their issue time (secrets.h).
 */
#pragma once

#include "oauth_error.h"
#include "records.h"
#include "store.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace seam {

/* Stores `code` for `ttl` seconds and returns the code to hand out, or
 * nullopt when the store is full. */
std::optional<std::string> issue_code(store &s, code_record code,
                                      uint64_t now, uint64_t ttl);

/* What the token endpoint knows when it redeems a code. */
struct redemption_request {
    std::string code;
    std::string client_id;
    std::optional<std::string> redirect_uri;
    /* Seam's intercom guide sends no redirect_uri to the token endpoint */
    bool redirect_uri_optional = false;
    std::optional<std::string> code_verifier;
    uint64_t now = 0;
    uint64_t access_token_ttl = 3600;
    uint64_t refresh_token_ttl = 30 * 86400;   /* 0: no refresh token */
};

/* The outcome of a redemption or a refresh: tokens, or an error. */
struct redemption {
    oauth_error error = oauth_error::none;
    std::string description;
    bool replay = false;           /* a reused code or refresh token: its
                                      grant was revoked */
    bool store_full = false;
    std::string access_token;
    access_token_record token;
    std::string refresh_token;
    uint64_t expires_in = 0;
};

/* Finds the code by its hash, consumes it (leaving a tombstone until it
 * would have expired), checks client, redirect_uri, PKCE and expiry, and
 * stores the access token under a new grant: one write transaction. */
redemption redeem_code(store &s, const redemption_request &req);

/* Several redemptions in one write transaction, one durable commit for
 * all (group commit): the answers in the order of the requests. */
std::vector<redemption> redeem_codes(store &s,
                                     const std::vector<redemption_request>
                                         &reqs);

/* The same, with the members chosen once the write lock is held: `collect`
 * is called inside the transaction, so that redemptions queued while
 * another process committed join this commit. A collected request is
 * answered even when the commit fails for want of space (store_full). */
std::vector<redemption> redeem_codes(
    store &s,
    const std::function<void(std::vector<redemption_request> &)> &collect);

/*
 * grant_type=refresh_token (RFC 6749 §6). Seam refreshes often and from
 * several workflows at once, so a refresh never touches live access
 * tokens. Without rotation the refresh token stays the same and its
 * lifetime restarts at each use. With rotation, the new pair is derived
 * from the old refresh token and `key`, so a replay within `grace`
 * seconds gets the very same pair; a replay after that revokes the whole
 * grant (RFC 9700 §4.14).
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

/* RFC 7009: revokes an access token, or the whole grant of a refresh
 * token, when it was issued to `client_id`; false when nothing was. */
bool revoke_token(store &s, std::string_view token,
                  std::string_view client_id);

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

/* The live access token `token`, or nullopt (unknown, expired, revoked).
 * Uses the store's reused read transaction: event loop only. */
std::optional<access_token_record> find_access_token(store &s,
                                                     std::string_view token,
                                                     uint64_t now);
/* The same into `out`, whose strings keep their capacity from one call
 * to the next: the bearer check allocates nothing once warm. */
bool find_access_token(store &s, std::string_view token, uint64_t now,
                       access_token_record &out);

/* Deletes a grant and every token issued under it. */
bool revoke_grant(txn &t, std::string_view grant_id);

struct grant_info {
    std::string grant_id;          /* hex */
    grant_record grant;
    size_t live_tokens = 0;
};

std::vector<grant_info> list_grants(store &s, uint64_t now);
/* Revokes by hex grant id; false when there is no such grant. */
bool revoke_grant_hex(store &s, std::string_view grant_id_hex);
/* Revokes every grant of one owner; returns how many. */
size_t revoke_user_grants(store &s, std::string_view user_id);

struct sweep_counts {
    size_t codes = 0;
    size_t tokens = 0;
    size_t grants = 0;
    size_t sessions = 0;
    size_t throttles = 0;
};

/* Deletes expired codes, tombstones, tokens and sessions, and grants left
 * without a live token, at most `batch` records per write transaction. */
sweep_counts sweep_expired(store &s, uint64_t now, size_t batch = 1000);

/* Sign-in sessions: the cookie value for a new one (nullopt: store
 * full), and the live session behind a cookie. */
std::optional<std::string> create_session(store &s, session_record session);
std::optional<session_record> find_session(store &s, std::string_view cookie,
                                           uint64_t now);

/* RFC 7636 §4.1: 43 to 128 characters from the unreserved set. */
bool valid_code_verifier(std::string_view v);
/* An S256 challenge: BASE64URL(SHA256(verifier)), 43 characters. */
bool valid_code_challenge(std::string_view c);
std::string s256_challenge(std::string_view verifier);

}  // namespace seam
