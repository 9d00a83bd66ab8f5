/*
 * The few primitives the module needs: CSPRNG bytes (the kernel's), and
 * from OpenSSL SHA-256, HMAC-SHA-256 and constant-time comparison; base64
 * and base64url.
 */
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace seam {

/* n bytes from the kernel's CSPRNG (getrandom); throws std::runtime_error
 * on failure. */
std::string random_bytes(size_t n);

/* The 32-byte digests, as strings of raw bytes. */
std::string sha256(std::string_view data);
/* The same SHA-256 into a fixed array: no allocation, for the bearer
 * check's lookup key. */
using digest = std::array<char, 32>;
digest sha256_digest(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);

/* CRYPTO_memcmp over equal lengths; a length mismatch is unequal. */
bool constant_time_equal(std::string_view a, std::string_view b);

std::string base64url_encode(std::string_view data);
std::optional<std::string> base64url_decode(std::string_view text);
/* One base64url character's value (0-63), or -1 for any other byte. */
int base64url_value(unsigned char c);
/* Standard base64 with padding, as in HTTP Basic (RFC 7617). */
std::optional<std::string> base64_decode(std::string_view text);
std::string base64_encode(std::string_view data);

/* Lower-case hex, and back (lower case only; nullopt for anything else). */
std::string hex_encode(std::string_view data);
std::optional<std::string> hex_decode(std::string_view hex);

}  // namespace seam
