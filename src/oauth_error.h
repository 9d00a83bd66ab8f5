/*
 * OAuth errors as values: the core returns one of these for every expected
 * failure; one table maps it to its wire name (RFC 6749 §4.1.2.1, §5.2,
 * RFC 6750 §3.1) and its HTTP status.
 */
#pragma once

#include <string_view>

namespace seam {

enum class oauth_error {
    none,
    invalid_request,
    invalid_client,
    invalid_grant,
    unauthorized_client,
    unsupported_grant_type,
    unsupported_response_type,
    invalid_scope,
    access_denied,
    server_error,
    temporarily_unavailable,
    invalid_token,
    insufficient_scope,
    login_required,      /* prompt=none without a sign-in (OIDC Core §3.1.2.6) */
    consent_required,    /* prompt=none when the owner must approve */
};

/* The error code as sent on the wire, e.g. "invalid_grant". */
std::string_view wire_name(oauth_error e);

/* The HTTP status an error gets when it is answered directly (token
 * endpoint, bearer check) rather than by redirect. */
int http_status(oauth_error e);

}  // namespace seam
