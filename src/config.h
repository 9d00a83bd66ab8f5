/*
 * The module's OAuth configuration: the registered clients, the lifetimes,
 * all read once from nginx.conf and shared read-only by every request.
 */
#pragma once

#include "redirect_policy.h"
#include "scope.h"
#include "throttle.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace seam {

struct client_config {
    std::string id;
    std::string name;              /* shown on the login page */
    std::string secret_hash;       /* SHA-256 of the secret, 32 bytes */
    redirect_policy redirects;
    /* follows Seam's intercom guide: the default client when /authorize
     * has no client_id, response_type may be absent, and redirect_uri
     * may be absent at the token endpoint */
    bool intercom_guide = false;
    bool require_pkce = false;
    bool rotate_refresh_tokens = false;
    bool introspect = false;           /* may introspect any token */
    bool consent = true;               /* the owner approves each grant */
    std::vector<std::string> scopes;   /* what it may ask for */
    /* granted when a request names no scope (RFC 6749 §3.3); a subset of
     * `scopes` */
    std::vector<std::string> default_scopes;
};

/* Applies one `seam_oauth_client` option ("secret=...", "secret_file=...",
 * "redirect=...", "name=...", "scope=...", "default_scope=...",
 * "pkce=required",
 * "refresh=rotate", "consent=off", "introspect", "intercom_guide");
 * returns "" or an error for the operator. */
std::string configure_client(client_config &c, std::string_view option);
/* Checks a client once all its options are read: default_scope within
 * scope, and a client that follows Seam's intercom guide (which sends no
 * scope) with scopes must have a default_scope. */
std::string finish_client(const client_config &c);

struct oauth_config {
    std::vector<client_config> clients;
    uint64_t code_ttl = 60;
    uint64_t access_token_ttl = 3600;
    uint64_t refresh_token_ttl = 30 * 86400;
    uint64_t refresh_grace = 60;
    uint64_t session_ttl = 300;
    uint64_t login_form_ttl = 900;    /* how long a login form stays valid */
    throttle_policy account_throttle{5, 900, 900};
    throttle_policy ip_throttle{20, 900, 900};
    throttle_policy client_throttle{10, 900, 900};
    std::string realm = "seam-oauth";
    /* what each scope means, in words for the consent page */
    std::map<std::string, std::string> scope_descriptions;

    const client_config *find(std::string_view id) const;
    const client_config *intercom_guide_client() const;
};

/* Whether `c` may ask for `scope` (one of its scope=). */
bool scope_allowed(const client_config &c, std::string_view scope);

}  // namespace seam
