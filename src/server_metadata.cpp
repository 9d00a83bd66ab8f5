#include "server_metadata.h"

#include <nlohmann/json.hpp>

#include <set>

namespace seam {

http_answer
metadata(const oauth_config &config, std::string_view issuer)
{
    const endpoint_paths &paths = config.paths;
    using json = nlohmann::json;
    std::string base(issuer);
    while (!base.empty() && base.back() == '/') {
        base.pop_back();
    }
    std::set<std::string> scopes;
    for (const client_config &c : config.clients) {
        scopes.insert(c.scopes.begin(), c.scopes.end());
    }
    const json auth_methods = {"client_secret_basic", "client_secret_post"};

    json m = {
        {"issuer", std::string(issuer)},
        {"response_types_supported", {"code"}},
        {"response_modes_supported", {"query"}},
        {"grant_types_supported", {"authorization_code", "refresh_token"}},
        {"code_challenge_methods_supported", {"S256"}},
        {"token_endpoint_auth_methods_supported", auth_methods},
        {"scopes_supported", scopes},
        {"authorization_response_iss_parameter_supported", true},
    };
    if (!paths.authorize.empty()) {
        m["authorization_endpoint"] = base + paths.authorize;
    }
    if (!paths.token.empty()) {
        m["token_endpoint"] = base + paths.token;
    }
    if (!paths.revoke.empty()) {
        m["revocation_endpoint"] = base + paths.revoke;
        m["revocation_endpoint_auth_methods_supported"] = auth_methods;
    }
    if (!paths.introspect.empty()) {
        m["introspection_endpoint"] = base + paths.introspect;
        m["introspection_endpoint_auth_methods_supported"] = auth_methods;
    }

    http_answer a;
    a.body = m.dump();
    a.headers.emplace_back("Cache-Control", "max-age=3600");
    return a;
}

}  // namespace seam
