#include "config.h"
#include "crypto.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace seam {

static bool
starts_with(std::string_view s, std::string_view prefix)
{
    return s.substr(0, prefix.size()) == prefix;
}

static std::string
read_secret_file(const std::string &path, std::string &error)
{
    std::ifstream in(path);
    if (!in) {
        error = "cannot read secret_file \"" + path + "\"";
        return "";
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string secret = ss.str();
    while (!secret.empty()
           && (secret.back() == '\n' || secret.back() == '\r'))
    {
        secret.pop_back();
    }
    if (secret.empty()) {
        error = "secret_file \"" + path + "\" is empty";
    }
    return secret;
}

std::string
configure_client(client_config &c, std::string_view option)
{
    std::string error;
    if (starts_with(option, "secret=")) {
        std::string_view secret = option.substr(7);
        if (secret.empty()) {
            return "empty secret";
        }
        c.secret_hash = sha256(secret);
    } else if (starts_with(option, "secret_file=")) {
        std::string secret = read_secret_file(std::string(option.substr(12)),
                                              error);
        if (!error.empty()) {
            return error;
        }
        c.secret_hash = sha256(secret);
    } else if (starts_with(option, "redirect=")) {
        error = c.redirects.add(option.substr(9));
        if (!error.empty()) {
            return "redirect \"" + std::string(option.substr(9)) + "\": "
                   + error;
        }
    } else if (starts_with(option, "name=")) {
        c.name = std::string(option.substr(5));
    } else if (starts_with(option, "scope=")) {
        if (!split_scope(option.substr(6), c.scopes)) {
            return "invalid scope list";
        }
    } else if (starts_with(option, "default_scope=")) {
        if (!split_scope(option.substr(14), c.default_scopes)
            || c.default_scopes.empty())
        {
            return "invalid default_scope list";
        }
    } else if (option == "pkce=required") {
        c.require_pkce = true;
    } else if (option == "pkce=optional") {
        c.require_pkce = false;
    } else if (option == "refresh=rotate") {
        c.rotate_refresh_tokens = true;
    } else if (option == "refresh=reuse") {
        c.rotate_refresh_tokens = false;
    } else if (option == "consent=off") {
        c.consent = false;
    } else if (option == "consent=on") {
        c.consent = true;
    } else if (option == "introspect") {
        c.introspect = true;
    } else if (option == "intercom_guide") {
        c.intercom_guide = true;
    } else {
        return "unknown option \"" + std::string(option) + "\"";
    }
    return "";
}

std::string
finish_client(const client_config &c)
{
    if (c.id.empty() || c.id.size() > 128) {
        return "a client id must have 1 to 128 characters";
    }
    for (unsigned char ch : c.id) {
        if (ch < 0x21 || ch > 0x7e) {
            return "a client id must be printable ASCII";
        }
    }
    if (c.secret_hash.empty()) {
        return "client \"" + c.id + "\" needs secret= or secret_file=";
    }
    if (c.redirects.empty()) {
        return "client \"" + c.id + "\" needs at least one redirect=";
    }
    for (const std::string &s : c.default_scopes) {
        if (!scope_allowed(c, s)) {
            return "client \"" + c.id + "\": default_scope \"" + s
                   + "\" is not in its scope=";
        }
    }
    if (c.intercom_guide && !c.scopes.empty() && c.default_scopes.empty()) {
        return "client \"" + c.id + "\" follows the intercom guide, which "
               "sends no scope: give it a default_scope=";
    }
    return "";
}

bool
scope_allowed(const client_config &c, std::string_view scope)
{
    return std::find(c.scopes.begin(), c.scopes.end(), scope)
           != c.scopes.end();
}

const client_config *
oauth_config::find(std::string_view id) const
{
    for (const client_config &c : clients) {
        if (c.id == id) {
            return &c;
        }
    }
    return nullptr;
}

const client_config *
oauth_config::intercom_guide_client() const
{
    for (const client_config &c : clients) {
        if (c.intercom_guide) {
            return &c;
        }
    }
    return nullptr;
}

std::string
add_client(oauth_config &config, std::string_view id,
           const std::vector<std::string_view> &options)
{
    client_config client;
    client.id = std::string(id);
    for (std::string_view option : options) {
        std::string error = configure_client(client, option);
        if (!error.empty()) {
            return error;
        }
    }
    std::string error = finish_client(client);
    if (!error.empty()) {
        return error;
    }
    if (config.find(client.id) != nullptr) {
        return "client \"" + client.id + "\" is defined twice";
    }
    if (client.intercom_guide && config.intercom_guide_client() != nullptr) {
        return "only one client can be marked intercom_guide";
    }
    if (client.name.empty()) {
        client.name = client.id;
    }
    config.clients.push_back(std::move(client));
    return "";
}

std::string
issuer_of(const oauth_config &config, bool tls, std::string_view host)
{
    if (!config.issuer.empty()) {
        return config.issuer;
    }
    return (tls ? "https://" : "http://") + std::string(host);
}

static throttle_policy
policy(uint64_t limit, uint64_t window, uint64_t max_lockout)
{
    return {static_cast<uint32_t>(limit), window, max_lockout};
}

throttle_policy
oauth_config::account_throttle() const
{
    return policy(throttle_account, throttle_window, throttle_max_lockout);
}

throttle_policy
oauth_config::ip_throttle() const
{
    return policy(throttle_ip, throttle_window, throttle_max_lockout);
}

throttle_policy
oauth_config::client_throttle() const
{
    return policy(throttle_client, throttle_window, throttle_max_lockout);
}

std::string
oauth_config::check() const
{
    /* RFC 6749 §4.1.2: "A maximum authorization code lifetime of 10
     * minutes is RECOMMENDED" */
    if (code_ttl < 1 || code_ttl > 600) {
        return "seam_oauth_code_ttl must be 1s to 10m";
    }
    if (access_token_ttl < 1) {
        return "seam_oauth_token_ttl must be positive";
    }
    if (refresh_token_ttl < 60) {
        return "seam_oauth_refresh_token_ttl must be at least 1m";
    }
    if (session_ttl < 1) {
        return "seam_oauth_session_ttl must be positive";
    }
    for (uint64_t v : {throttle_account, throttle_ip, throttle_client}) {
        if (v < 1 || v > UINT32_MAX) {
            return "seam_oauth_throttle_account, _ip and _client must be "
                   "1 to 4294967295";
        }
    }
    if (throttle_window < 1 || throttle_max_lockout < 1) {
        return "seam_oauth_throttle_window and _max_lockout must be "
               "positive";
    }
    for (char ch : realm) {
        if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\') {
            return "seam_oauth_realm must be printable ASCII without quotes "
                   "or backslashes";
        }
    }
    if (!issuer.empty() && issuer.rfind("https://", 0) != 0
        && issuer.rfind("http://", 0) != 0)
    {
        return "seam_oauth_issuer must be an http or https URL";
    }
    return "";
}

}  // namespace seam
