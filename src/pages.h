/*
 * The pages the owner sees (login, consent, error) and the redirects back
 * to the client: their security headers, their words, and the fields a
 * form carries, decided once here for every path of /authorize.
 */
#pragma once

#include "authorize.h"
#include "config.h"
#include "cookies.h"
#include "http_answer.h"
#include "page_template.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace seam {

/* The three templates, parsed once when nginx reads its configuration. */
struct page_set {
    page_template login;
    page_template consent;
    page_template error;
};

/* What the owner reads, in one place. */
namespace message {
inline constexpr std::string_view wrong_credentials =
    "The e-mail or password is incorrect.";
inline constexpr std::string_view forged =
    "This form has expired or did not come from this site. Go back to the "
    "application and start again.";
inline constexpr std::string_view session_expired =
    "Your sign-in has expired. Please sign in again.";
inline constexpr std::string_view unavailable =
    "Sign-in is temporarily unavailable. Try again later.";
inline constexpr std::string_view unknown_decision =
    "The request is malformed: unknown decision.";
std::string throttled(uint64_t retry_after);
std::string malformed(std::string_view why);
}  // namespace message

/*
 * RFC 9700 §4.16: no framing; §4.2.4: no referrer to another site. A page
 * is sent with "same-origin", not "no-referrer": under "no-referrer" a
 * browser's form POST carries "Origin: null" (Fetch, "append a request
 * Origin header"), under "same-origin" the POST back to the form carries
 * this origin and no other site gets anything. A redirect to the client
 * sends no referrer at all. No CSP form-action: Chromium applies it to
 * the redirect that follows the POST, which goes to the client.
 */
enum class referrer_policy { same_origin, no_referrer };
void add_page_headers(http_answer &a,
                      referrer_policy policy = referrer_policy::same_origin);

/* Our own error page: never a redirect (RFC 6749 §4.1.2.1). */
http_answer error_page(const page_set &pages, int status,
                       std::string_view message);

/* RFC 9700 §4.12: 303, never 307, after the credential POST; `cookie` a
 * Set-Cookie value or "". */
http_answer redirect_to(std::string location, std::string cookie = "");

/* What a login or consent page needs besides the request. */
struct form_context {
    const oauth_config *config = nullptr;
    const page_set *pages = nullptr;
    std::string_view server_key;   /* binds the CSRF token (csrf.h) */
    std::string_view nonce;        /* the form cookie's, or "" for new */
    uint64_t now = 0;
    std::string_view action;       /* where the form posts: this path */
    cookie_attributes cookies;
    /* the device cloud's accounts (login_check.h): a user name or a phone
     * number as well as an e-mail */
    bool any_identifier = false;
};

/* The login page; `retry_after` > 0 makes it the 429 of a lock (RFC 6585
 * §4), the same page whether or not the e-mail exists. `cookie` is an
 * extra Set-Cookie (a new session) or "". */
http_answer login_page(const form_context &ctx,
                       const authorization_request &req,
                       std::string_view email, std::string_view error,
                       uint64_t retry_after = 0);
/* The consent page: the scopes the code will carry, in their words. */
http_answer consent_page(const form_context &ctx,
                         const authorization_request &req,
                         std::string_view email, std::string cookie = "");

/* The hidden fields both forms carry: the authorization request, so that
 * the POST is checked as the GET was. */
std::vector<std::pair<std::string, std::string>>
form_fields(const authorization_request &req);
/* Their names, for the templates' lists of placeholders. */
const std::vector<std::string> &form_field_names();

/* The placeholders each template may use. */
const std::vector<std::string> &login_page_fields();
const std::vector<std::string> &consent_page_fields();
const std::vector<std::string> &error_page_fields();

}  // namespace seam
