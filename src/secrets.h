/*
 * The secrets the store keeps records under (authorization codes, access
 * and refresh tokens, sign-in sessions) and the keys it keeps them under.
 *
 * A secret is 6 bytes of its issue time (milliseconds since the epoch,
 * big-endian) followed by 32 CSPRNG bytes, in base64url: 51 characters.
 * Its key is the same 6 bytes followed by the SHA-256 of the whole secret;
 * the store never holds a secret itself. The 256 random bits are what
 * make a secret unguessable (RFC 6819 §5.1.4.2.2); the time is public.
 *
 * Why the time comes first: records issued together get neighbouring
 * keys, so one group commit of many redemptions rewrites pages at the
 * right edge of each table, instead of one random leaf (and its branch
 * pages) per record: a quarter of the pages per commit (the figures are in
 * bench/RESULTS.md).
 *
 * Any other string, such as a 43-character secret issued before this
 * format or an attacker's guess, is keyed by its SHA-256 alone (32 bytes),
 * so records issued before stay valid and a guess costs the same lookup.
 * (A sign-in session's cookie of the earlier length is dropped by the
 * module before any lookup: its owner signs in again.)
 */
#pragma once

#include "store.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace seam {

constexpr size_t secret_time_bytes = 6;
constexpr size_t secret_random_bytes = 32;
constexpr size_t secret_chars = 51;     /* base64url of 38 bytes */

/* A fresh secret issued now (the wall clock, in milliseconds). */
std::string new_secret();

/* The secret with issue time `issued_ms` and `random` (32 bytes) as its
 * unguessable part: for secrets derived from another (token rotation). */
std::string make_secret(uint64_t issued_ms, std::string_view random);

/* A record id of `size` bytes (at least 6) that sorts by issue time: the
 * time's 6 bytes, then CSPRNG bytes (grant ids). */
std::string new_record_id(size_t size);

/* A store key, in a fixed buffer so that the bearer check's lookup does
 * not allocate. */
struct record_key {
    std::array<char, secret_time_bytes + 32> bytes;
    size_t size = 0;

    std::string_view view() const { return {bytes.data(), size}; }
    std::string str() const { return std::string(view()); }
};

record_key key_of(std::string_view secret);

/* Stores `record` under the key of a fresh secret in `t`'s table and
 * returns the secret, or nullopt when the store is full. */
std::optional<std::string> store_secret(store &s, table t,
                                        std::string_view record);

/* The issue time (milliseconds) a key made by key_of() carries; 0 for a
 * key of a secret of the earlier format, which carries none. */
uint64_t issued_ms(std::string_view key);
/* The issue time of a record id made by new_record_id(). */
uint64_t record_id_ms(std::string_view id);

/* Milliseconds since the epoch, from the wall clock. */
uint64_t now_ms();

}  // namespace seam
