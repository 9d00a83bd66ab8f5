/*
 * The module's two cookies: the CSRF nonce of a login form (SameSite=
 * Strict, the life of a form) and a sign-in session (SameSite=Lax, as the
 * next authorization arrives by a top-level navigation from the client).
 * Both HttpOnly, Secure over TLS. Every byte of a Set-Cookie header comes
 * from a value checked here: a cookie path never carries a byte of the
 * request that could end the header or add an attribute.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace seam {

constexpr std::string_view csrf_cookie = "seam_oauth_csrf";
constexpr std::string_view session_cookie = "seam_oauth_session";
/* the nonce: 16 CSPRNG bytes in base64url */
constexpr size_t csrf_nonce_chars = 22;

/* `value` when it is base64url of exactly `chars` characters (the shape
 * of our cookies), else "": nothing else reaches a lookup. */
std::string_view cookie_value(std::string_view value, size_t chars);

/*
 * The Path= of our cookies: `uri` (the request's path) when every byte of
 * it is printable ASCII other than ';', ',', '"', '\' and space (RFC 6265
 * §4.1.1: a path-value is any CHAR but CTLs and ';'), else `fallback`
 * (the location's own name) under the same rule, else "/".
 */
std::string cookie_path(std::string_view uri, std::string_view fallback);

struct cookie_attributes {
    std::string path = "/";
    bool secure = false;
};

enum class same_site { strict, lax };

/* "NAME=VALUE; Path=...; Max-Age=...; HttpOnly; SameSite=...[; Secure]".
 * `value` must be one of ours (base64url); anything else is replaced by
 * an empty value. */
std::string set_cookie(std::string_view name, std::string_view value,
                       uint64_t max_age, same_site site,
                       const cookie_attributes &attributes);

}  // namespace seam
