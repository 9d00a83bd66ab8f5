/*
 * The life of a grant: an authorization code is issued after sign-in,
 * redeemed once for an access token in one write transaction, and every
 * token hangs off a grant record so that a replayed code (RFC 6749
 * §4.1.2) or an operator's revocation kills them all. Secrets are never
 * stored: keys are their SHA-256.
 */
#pragma once

#include "oauth_error.h"
#include "records.h"
#include "store.h"

#include <cstdint>
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
};

struct redemption {
    oauth_error error = oauth_error::none;
    std::string description;
    bool replay = false;           /* a used code: its grant was revoked */
    bool store_full = false;
    std::string access_token;
    access_token_record token;
};

/* Finds the code by its hash, consumes it (leaving a tombstone until it
 * would have expired), checks client, redirect_uri, PKCE and expiry, and
 * stores the access token under a new grant: one write transaction. */
redemption redeem_code(store &s, const redemption_request &req);

/* The live access token `token`, or nullopt (unknown, expired, revoked).
 * Uses the store's reused read transaction: event loop only. */
std::optional<access_token_record> find_access_token(store &s,
                                                     std::string_view token,
                                                     uint64_t now);

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
};

/* Deletes expired codes, tombstones and tokens and grants left without a
 * live token, at most `batch` records per write transaction. */
sweep_counts sweep_expired(store &s, uint64_t now, size_t batch = 1000);

/* RFC 7636 §4.1: 43 to 128 characters from the unreserved set. */
bool valid_code_verifier(std::string_view v);
/* An S256 challenge: BASE64URL(SHA256(verifier)), 43 characters. */
bool valid_code_challenge(std::string_view c);
std::string s256_challenge(std::string_view verifier);

}  // namespace seam
