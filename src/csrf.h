/*
 * Cross-site request forgery on the login and consent forms (RFC 6749
 * §10.12, RFC 6819 §4.4.1.8): each form carries a token bound to its
 * authorization request and to a nonce in an HttpOnly SameSite=Strict
 * cookie; and the browser's own word on where the POST came from
 * (Origin, Sec-Fetch-Site) refuses other sites outright.
 */
#pragma once

#include "authorize.h"
#include "store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace seam {

/*
 * The server key: 32 CSPRNG bytes kept in the store, shared by all
 * workers and kept across restarts. It binds login forms to their
 * requests (below) and derives rotated refresh tokens (tokens.h). Created
 * on first use; stored under its first name, "csrf_key", so that stores
 * made before keep their key.
 */
std::string load_server_key(store &s);

/*
 * The token: "<issued-at>.<HMAC(key, nonce, issued-at, request)>". A POST
 * is accepted only with a matching cookie, for the same authorization
 * request, within `ttl` seconds.
 */
std::string csrf_token(std::string_view key, std::string_view nonce,
                       uint64_t now, const authorization_request &r);
bool csrf_valid(std::string_view key, std::string_view nonce,
                std::string_view token, uint64_t now, uint64_t ttl,
                const authorization_request &r);

/* What a form POST says about where it came from. */
struct form_source {
    std::optional<std::string_view> origin;       /* the Origin header */
    std::optional<std::string_view> fetch_site;   /* Sec-Fetch-Site */
    std::string_view host;                        /* the Host header */
    std::string_view issuer;   /* seam_oauth_issuer, "" when not set */
};

enum class source_verdict {
    same_origin,   /* the browser says: from this site */
    unknown,       /* no word (curl, an older browser, Origin: null) */
    cross_site,    /* from another site: refused before anything else */
};

/*
 * Origin names this server when its host[:port] is the request's Host or
 * the issuer's (the scheme is left out: TLS may end in front of nginx).
 * "Origin: null" is no word at all: a browser sends it under a
 * "no-referrer" policy, from a sandboxed frame, or after a cross-origin
 * redirect, so the token decides. Sec-Fetch-Site "cross-site" or
 * "same-site" is another site whatever Origin says: the forms are only
 * ever served by this origin.
 */
source_verdict judge_form_source(const form_source &s);

}  // namespace seam
