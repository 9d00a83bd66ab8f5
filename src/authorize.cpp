#include "authorize.h"
#include "codes.h"
#include "revocation.h"
#include "sessions.h"
#include "sweep.h"
#include "tokens.h"

#include <algorithm>

namespace seam {

static authorization_check
show_error(std::string message)
{
    authorization_check c;
    c.result = authorization_check::outcome::show_error;
    c.message = std::move(message);
    return c;
}

static authorization_check &
redirect_error(authorization_check &c, oauth_error e, std::string why)
{
    c.result = authorization_check::outcome::redirect_error;
    c.error = e;
    c.description = std::move(why);
    return c;
}

authorization_check
check_authorization(const params &p, const oauth_config &config)
{
    const client_config *client;
    if (const std::string *id = p.get("client_id")) {
        client = config.find(*id);
        if (client == nullptr) {
            return show_error("This application is not registered here.");
        }
    } else {
        client = config.intercom_guide_client();
        if (client == nullptr) {
            return show_error("The request names no application "
                              "(client_id is missing).");
        }
    }

    const std::string *redirect_uri = p.get("redirect_uri");
    if (redirect_uri == nullptr) {
        return show_error("The request has no redirect_uri.");
    }
    auto redirect_to = client->redirects.match(*redirect_uri);
    if (!redirect_to) {
        return show_error("The redirect_uri is not registered for this "
                          "application.");
    }
    if (carries_response_parameter(*redirect_uri)) {
        return show_error("The redirect_uri already carries a parameter of "
                          "the response (code, state, error or iss).");
    }

    authorization_check c;
    authorization_request &r = c.request;
    r.client = client;
    r.redirect_uri = *redirect_uri;
    r.redirect_to = std::move(*redirect_to);
    r.state = std::string(p.value("state"));

    /* from here on errors go back to the client (RFC 6749 §4.1.2.1) */
    const std::string *response_type = p.get("response_type");
    if (response_type == nullptr) {
        if (!client->intercom_guide) {
            return redirect_error(c, oauth_error::invalid_request,
                                  "response_type is missing");
        }
    } else if (*response_type != "code") {
        return redirect_error(c, oauth_error::unsupported_response_type,
                              "only response_type=code is supported");
    }

    const std::string *challenge = p.get("code_challenge");
    const std::string *method = p.get("code_challenge_method");
    if (challenge != nullptr) {
        if (method == nullptr || *method != "S256") {
            return redirect_error(c, oauth_error::invalid_request,
                                  "code_challenge_method must be S256");
        }
        if (!valid_code_challenge(*challenge)) {
            return redirect_error(c, oauth_error::invalid_request,
                                  "code_challenge must be 43 base64url "
                                  "characters");
        }
        r.code_challenge = *challenge;
    } else if (method != nullptr) {
        return redirect_error(c, oauth_error::invalid_request,
                              "code_challenge_method without "
                              "code_challenge");
    } else if (client->require_pkce) {
        return redirect_error(c, oauth_error::invalid_request,
                              "this client must send a PKCE code_challenge");
    }

    /* RFC 6749 §3.3: no scope gets the client's default_scope; a client
     * with scopes but no default must be asked for one; a client with no
     * scopes at all grants none */
    if (std::string_view scope = p.value("scope"); !scope.empty()) {
        std::vector<std::string> scopes;
        if (!split_scope(scope, scopes)) {
            return redirect_error(c, oauth_error::invalid_scope,
                                  "malformed scope");
        }
        for (const std::string &s : scopes) {
            if (!scope_allowed(*client, s)) {
                return redirect_error(c, oauth_error::invalid_scope,
                                      "scope not allowed for this client");
            }
        }
        r.scope = std::string(scope);
    } else if (!client->default_scopes.empty()) {
        r.scope = join_scope(client->default_scopes);
    } else if (!client->scopes.empty()) {
        return redirect_error(c, oauth_error::invalid_scope,
                              "no scope requested and this client has no "
                              "default scope");
    }

    /* OIDC Core §3.1.2.1 prompt values; others are ignored */
    std::vector<std::string> prompts;
    if (!split_scope(p.value("prompt"), prompts)) {
        return redirect_error(c, oauth_error::invalid_request,
                              "malformed prompt");
    }
    for (const std::string &one : prompts) {
        r.prompt_login |= one == "login";
        r.prompt_consent |= one == "consent";
        r.prompt_none |= one == "none";
    }
    if (r.prompt_none && (r.prompt_login || r.prompt_consent)) {
        return redirect_error(c, oauth_error::invalid_request,
                              "prompt=none cannot be combined");
    }

    c.result = authorization_check::outcome::ok;
    return c;
}

bool
needs_consent(const authorization_request &r)
{
    return r.client->consent || r.prompt_consent;
}

std::string
describe_scopes(const oauth_config &config, std::string_view scope)
{
    std::vector<std::string> scopes;
    split_scope(scope, scopes);
    if (scopes.empty()) {
        return "Access to your account";
    }
    std::string out;
    for (const std::string &one : scopes) {
        auto it = config.scope_descriptions.find(one);
        if (!out.empty()) {
            out.push_back('\n');
        }
        out.append(it != config.scope_descriptions.end() ? it->second : one);
    }
    return out;
}

std::string
redirect_with_error(const authorization_request &r, oauth_error error,
                    std::string_view description)
{
    std::vector<std::pair<std::string, std::string>> q{
        {"error", std::string(wire_name(error))},
        {"error_description", std::string(description)},
    };
    if (!r.state.empty()) {
        q.emplace_back("state", r.state);
    }
    if (!r.issuer.empty()) {
        q.emplace_back("iss", r.issuer);
    }
    return append_query(r.redirect_to, q);
}

std::string
redirect_with_code(const authorization_request &r, std::string_view code)
{
    std::vector<std::pair<std::string, std::string>> q{
        {"code", std::string(code)},
    };
    if (!r.state.empty()) {
        q.emplace_back("state", r.state);
    }
    if (!r.issuer.empty()) {
        q.emplace_back("iss", r.issuer);
    }
    return append_query(r.redirect_to, q);
}

}  // namespace seam
