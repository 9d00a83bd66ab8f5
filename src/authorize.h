/*
 * GET and POST /authorize: which requests get a login page, which get our
 * own error page (never a redirect: RFC 6749 §4.1.2.1, when the client or
 * redirect_uri is not right), and which go back to the client with an
 * error.
 */
#pragma once

#include "config.h"
#include "form.h"
#include "oauth_error.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace seam {

struct authorization_request {
    const client_config *client = nullptr;
    std::string redirect_uri;      /* as sent, bound to the code */
    std::string redirect_to;       /* rebuilt from the validated parts */
    std::string state;
    std::string scope;             /* granted: the requested scopes */
    std::string code_challenge;    /* S256, or "" */
    bool prompt_login = false;     /* prompt=login: always ask the password */
    bool prompt_consent = false;   /* prompt=consent: always ask approval */
    bool prompt_none = false;      /* prompt=none: never show a page */
    std::string issuer;            /* sent as iss (RFC 9207) when set */
};

struct authorization_check {
    enum class outcome { show_error, redirect_error, ok };
    outcome result = outcome::show_error;
    std::string message;           /* show_error: why, for the page */
    oauth_error error = oauth_error::none;   /* redirect_error */
    std::string description;
    authorization_request request;
};

/* The checks in the order RFC 6749 §4.1.2.1 wants them: client and
 * redirect_uri first (an error page), then everything else (a redirect). */
authorization_check check_authorization(const params &p,
                                        const oauth_config &config);

/* The Location for an error sent back to the client. */
std::string redirect_with_error(const authorization_request &r,
                                oauth_error error,
                                std::string_view description);
/* The Location for a successful sign-in. */
std::string redirect_with_code(const authorization_request &r,
                               std::string_view code);

/* Whether the owner must approve this request on the consent page. */
bool needs_consent(const authorization_request &r);

/* One line per granted scope, in the words the operator configured, for
 * the consent page. */
std::string describe_scopes(const oauth_config &config,
                            std::string_view scope);

}  // namespace seam
