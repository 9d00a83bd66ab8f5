/*
 * /authorize: check_authorization on the parameters parse_form reads from
 * the input (a query string). A request that goes back to the client
 * (redirect_error, ok) goes to a URI the client's policy accepts as
 * itself, with the error or code appended safely; every ok request obeys
 * the client's PKCE and scope settings; the CSRF token of a request is
 * valid for it and for no other state.
 */
#include "authorize.h"
#include "csrf.h"
#include "form.h"
#include "fuzz_common.h"

#include <algorithm>

using namespace seam;

namespace {

client_config
make_client(const char *id, std::vector<const char *> options)
{
    client_config c;
    c.id = id;
    for (const char *option : options) {
        std::string error = configure_client(c, option);
        FUZZ_CHECK(error.empty(), error);
    }
    FUZZ_CHECK(finish_client(c).empty(), finish_client(c));
    return c;
}

const oauth_config &
config()
{
    static const oauth_config c = [] {
        oauth_config config;
        config.clients.push_back(make_client(
            "seam", {"secret=seamsecret",
                     "redirect=https://integrations.getseam.com/cb",
                     "redirect=http://127.0.0.1/cb",
                     "redirect=https://*.integrations.getseam.com/",
                     "scope=devices access_codes", "default_scope=devices",
                     "intercom_guide"}));
        config.clients.push_back(make_client(
            "pkce", {"secret=x", "redirect=https://integrations.getseam.com/cb",
                     "redirect=https://*.integrations.getseam.com/oauth",
                     "pkce=required", "scope=read", "consent=off"}));
        config.scope_descriptions["devices"] = "Your <devices>";
        return config;
    }();
    return c;
}

void
check_location(const std::string &location, const authorization_request &r)
{
    FUZZ_CHECK(fuzz::starts_with(location, r.redirect_to), location);
    std::string_view added =
        std::string_view(location).substr(r.redirect_to.size());
    FUZZ_CHECK(!fuzz::has_unsafe_byte(added), location);
    FUZZ_CHECK(added.find_first_of("#\\") == std::string_view::npos,
               location);
    FUZZ_CHECK(location.size() > r.redirect_to.size(), location);
}

}  // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string_view in = fuzz::bytes(data, size);
    form_result f = parse_form(in);
    if (f.status != form_status::ok) {
        return 0;
    }
    const params &p = f.values;
    authorization_check c = check_authorization(p, config());

    if (c.result == authorization_check::outcome::show_error) {
        FUZZ_CHECK(!c.message.empty(), in);
        return 0;
    }

    const authorization_request &r = c.request;
    FUZZ_CHECK(r.client != nullptr, in);
    const std::string *client_id = p.get("client_id");
    FUZZ_CHECK(client_id ? r.client->id == *client_id
                         : r.client->intercom_guide, in);
    FUZZ_CHECK(p.value("redirect_uri") == r.redirect_uri, in);
    FUZZ_CHECK(p.value("state") == r.state, in);

    /* the validated URI is accepted again, as itself */
    auto again = r.client->redirects.match(r.redirect_to);
    FUZZ_CHECK(again && *again == r.redirect_to, r.redirect_to);
    auto from_request = r.client->redirects.match(r.redirect_uri);
    FUZZ_CHECK(from_request && *from_request == r.redirect_to,
               r.redirect_uri);
    FUZZ_CHECK(!fuzz::has_unsafe_byte(r.redirect_to), r.redirect_to);
    FUZZ_CHECK(r.redirect_to.find('#') == std::string::npos, r.redirect_to);

    if (c.result == authorization_check::outcome::redirect_error) {
        FUZZ_CHECK(c.error != oauth_error::none, in);
        check_location(redirect_with_error(r, c.error, c.description), r);
        return 0;
    }

    /* ok */
    FUZZ_CHECK(c.error == oauth_error::none, in);
    const std::string *type = p.get("response_type");
    FUZZ_CHECK(type ? *type == "code" : r.client->intercom_guide, in);
    if (r.client->require_pkce) {
        FUZZ_CHECK(r.code_challenge.size() == 43, in);
    }
    if (!r.code_challenge.empty()) {
        FUZZ_CHECK(p.value("code_challenge_method") == "S256", in);
    }
    std::vector<std::string> scopes;
    FUZZ_CHECK(split_scope(r.scope, scopes), r.scope);
    for (const std::string &s : scopes) {
        FUZZ_CHECK(std::find(r.client->scopes.begin(), r.client->scopes.end(),
                             s) != r.client->scopes.end(), s);
    }
    FUZZ_CHECK(!(r.prompt_none && (r.prompt_login || r.prompt_consent)), in);
    (void) needs_consent(r);
    (void) describe_scopes(config(), r.scope);

    check_location(redirect_with_code(r, "c0de"), r);
    check_location(redirect_with_error(r, oauth_error::access_denied,
                                       "the owner said no"), r);
    authorization_request with_iss = r;
    with_iss.issuer = std::string(in);
    check_location(redirect_with_code(with_iss, in), with_iss);

    /* CSRF: valid for this request within its lifetime, for no other */
    const std::string key(32, 'K');
    std::string token = csrf_token(key, "nonce", 5000, r);
    FUZZ_CHECK(csrf_valid(key, "nonce", token, 5000, 900, r), token);
    FUZZ_CHECK(csrf_valid(key, "nonce", token, 5900, 900, r), token);
    FUZZ_CHECK(!csrf_valid(key, "nonce", token, 5901, 900, r), token);
    FUZZ_CHECK(!csrf_valid(key, "other", token, 5000, 900, r), token);
    authorization_request changed = r;
    changed.state += "x";
    FUZZ_CHECK(!csrf_valid(key, "nonce", token, 5000, 900, changed), token);
    return 0;
}
