#include "oauth_error.h"

namespace seam {

std::string_view
wire_name(oauth_error e)
{
    switch (e) {
    case oauth_error::none: return "";
    case oauth_error::invalid_request: return "invalid_request";
    case oauth_error::invalid_client: return "invalid_client";
    case oauth_error::invalid_grant: return "invalid_grant";
    case oauth_error::unauthorized_client: return "unauthorized_client";
    case oauth_error::unsupported_grant_type: return "unsupported_grant_type";
    case oauth_error::unsupported_response_type:
        return "unsupported_response_type";
    case oauth_error::invalid_scope: return "invalid_scope";
    case oauth_error::access_denied: return "access_denied";
    case oauth_error::server_error: return "server_error";
    case oauth_error::temporarily_unavailable:
        return "temporarily_unavailable";
    case oauth_error::invalid_token: return "invalid_token";
    case oauth_error::insufficient_scope: return "insufficient_scope";
    case oauth_error::login_required: return "login_required";
    case oauth_error::consent_required: return "consent_required";
    }
    return "server_error";
}

int
http_status(oauth_error e)
{
    switch (e) {
    case oauth_error::none: return 200;
    /* RFC 6749 §5.2: 401 for a failed client authentication */
    case oauth_error::invalid_client: return 401;
    /* RFC 6750 §3.1 */
    case oauth_error::invalid_token: return 401;
    case oauth_error::insufficient_scope: return 403;
    case oauth_error::access_denied: return 403;
    case oauth_error::server_error: return 500;
    case oauth_error::temporarily_unavailable: return 503;
    default: return 400;
    }
}

}  // namespace seam
