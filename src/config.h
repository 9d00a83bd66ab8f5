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

/* The paths of the locations that hold each handler ("" when none), for
 * the metadata document (RFC 8414). */
struct endpoint_paths {
    std::string authorize;
    std::string token;
    std::string revoke;
    std::string introspect;
};

/* The module's configuration, with its defaults: the seam_oauth_*
 * directives write these fields and nothing else keeps a copy. */
struct oauth_config {
    std::vector<client_config> clients;
    uint64_t code_ttl = 60;
    uint64_t access_token_ttl = 3600;
    uint64_t refresh_token_ttl = 30 * 86400;
    uint64_t refresh_grace = 60;
    uint64_t session_ttl = 300;
    uint64_t login_form_ttl = 900;    /* how long a login form stays valid */
    /* failures allowed before a lock (RFC 6819 §4.4.3.6), per account,
     * per client address, and per client id and address at the token
     * endpoint; all counted over throttle_window */
    uint64_t throttle_account = 5;
    uint64_t throttle_ip = 20;
    uint64_t throttle_client = 10;
    uint64_t throttle_window = 900;
    uint64_t throttle_max_lockout = 900;
    std::string realm = "seam-oauth";
    /* "" : the request's scheme://Host */
    std::string issuer;
    /* what each scope means, in words for the consent page */
    std::map<std::string, std::string> scope_descriptions;
    endpoint_paths paths;

    const client_config *find(std::string_view id) const;
    const client_config *intercom_guide_client() const;

    throttle_policy account_throttle() const;
    throttle_policy ip_throttle() const;
    throttle_policy client_throttle() const;

    /* "" when the values go together, else what is wrong, for the
     * operator (nginx -t): a code lifetime of at most 10 minutes (RFC
     * 6749 §4.1.2), positive lifetimes and limits. */
    std::string check() const;
};

/* Registers the client `id` with its seam_oauth_client options; "" or
 * what is wrong, for the operator. A second client with the same id, or
 * a second intercom_guide client, is refused. */
std::string add_client(oauth_config &config, std::string_view id,
                       const std::vector<std::string_view> &options);

/* The issuer (RFC 8414, RFC 9207): as configured, else this server as the
 * request names it, "https://" when the connection is TLS. */
std::string issuer_of(const oauth_config &config, bool tls,
                      std::string_view host);

/* Whether `c` may ask for `scope` (one of its scope=). */
bool scope_allowed(const client_config &c, std::string_view scope);

}  // namespace seam
