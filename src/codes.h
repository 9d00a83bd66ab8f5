/*
 * Authorization codes (RFC 6749 §4.1) and PKCE (RFC 7636): a code is
 * issued after sign-in and redeemed once, in one write transaction, for
 * an access token under a new grant. A redeemed code leaves a tombstone
 * naming its grant, so that a replay revokes every token of it (§4.1.2).
 * Codes are kept under their key (secrets.h), never in clear.
 */
#pragma once

#include "records.h"
#include "store.h"
#include "tokens.h"

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

/* Finds the code by its key, consumes it (leaving a tombstone until it
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

/* RFC 7636 §4.1: 43 to 128 characters from the unreserved set. */
bool valid_code_verifier(std::string_view v);
/* An S256 challenge: BASE64URL(SHA256(verifier)), 43 characters. */
bool valid_code_challenge(std::string_view c);
std::string s256_challenge(std::string_view verifier);

}  // namespace seam
