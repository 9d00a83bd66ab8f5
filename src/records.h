/*
 * The values kept in LMDB, each a small versioned binary record: a kind
 * byte, a format version byte, then integers as LEB128 varints and
 * strings prefixed by their length. Decoding checks every length, so a
 * truncated or corrupted value is reported, never read past its end.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace seam {

enum class record_kind : uint8_t {
    code = 1,
    code_tombstone = 2,
    grant = 3,
    access_token = 4,
    user = 5,
    refresh_token = 6,
    session = 7,
    throttle = 8,
    owner = 9,
};

/* An authorization code waiting for redemption (keyed by key_of). */
struct code_record {
    uint64_t expires_at = 0;
    std::string client_id;
    std::string redirect_uri;      /* as sent to /authorize */
    std::string user_id;
    std::string scope;
    std::string code_challenge;    /* S256 challenge, or "" */
};

/* What is left of a redeemed code until it would have expired: the grant
 * it produced, so that a replay can revoke that grant (RFC 6749 §4.1.2). */
struct code_tombstone {
    uint64_t expires_at = 0;
    std::string grant_id;          /* "" when the redemption failed */
};

struct token_ref {
    std::string hash;              /* the token's store key (secrets.h) */
    uint64_t expires_at = 0;
};

/* One owner's consent to one client: the tokens it produced hang off it,
 * so that revoking the grant kills them all. */
struct grant_record {
    std::string client_id;
    std::string user_id;
    std::string scope;
    uint64_t created_at = 0;
    std::vector<token_ref> access_tokens;
    std::vector<token_ref> refresh_tokens;
};

/* A refresh token (keyed by key_of). `rotated_at` is 0 while it is
 * the grant's current one; once rotated it is kept until it expires, to
 * answer a replay in the grace window and to detect reuse after it
 * (RFC 9700 §4.14). */
struct refresh_token_record {
    uint64_t expires_at = 0;
    std::string grant_id;
    std::string client_id;
    uint64_t rotated_at = 0;
};

/* Failures counted for one throttle key. */
struct throttle_record {
    uint64_t window_start = 0;
    uint64_t failures = 0;
    uint64_t locked_until = 0;
    uint64_t last_lockout = 0;
};

/* A recent sign-in, so that a second authorization may skip the password
 * (keyed by key_of the session cookie). */
struct session_record {
    uint64_t expires_at = 0;
    std::string user_id;
    std::string email;
    uint64_t auth_time = 0;
};

/* What ended an owner's access (keyed by user_id): every code, session
 * and grant of the owner made at or before `revoked_at` (milliseconds,
 * as secrets and record ids carry their issue time) is void, and all of
 * them when the owner's account was removed. */
struct owner_record {
    uint64_t revoked_at = 0;
    bool removed = false;
};

/* What the bearer check needs, in one read. */
struct access_token_record {
    uint64_t expires_at = 0;
    std::string grant_id;
    std::string user_id;
    std::string client_id;
    std::string scope;
};

struct user_record {
    std::string user_id;
    std::string password_hash;
    uint64_t created_at = 0;
};

std::string encode(const code_record &r);
std::string encode(const code_tombstone &r);
std::string encode(const grant_record &r);
std::string encode(const access_token_record &r);
std::string encode(const user_record &r);
std::string encode(const refresh_token_record &r);
std::string encode(const struct throttle_record &r);
std::string encode(const session_record &r);
std::string encode(const owner_record &r);

/* The kind of a stored value, or nullopt when it is not one of ours. */
std::optional<record_kind> kind_of(std::string_view value);

std::optional<code_record> decode_code(std::string_view value);
std::optional<code_tombstone> decode_tombstone(std::string_view value);
std::optional<grant_record> decode_grant(std::string_view value);
std::optional<access_token_record> decode_access_token(std::string_view v);

/* An access-token record's fields as views into the stored value: no
 * copies, for the bearer check, which reads them inside its read
 * transaction. */
struct access_token_view {
    uint64_t expires_at = 0;
    std::string_view grant_id;
    std::string_view user_id;
    std::string_view client_id;
    std::string_view scope;
};
bool decode_access_token(std::string_view value, access_token_view &out);
std::optional<user_record> decode_user(std::string_view value);
std::optional<refresh_token_record> decode_refresh_token(std::string_view v);
std::optional<session_record> decode_session(std::string_view value);
std::optional<throttle_record> decode_throttle(std::string_view value);
std::optional<owner_record> decode_owner(std::string_view value);

}  // namespace seam
