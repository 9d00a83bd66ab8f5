/*
 * authorize.h: the /authorize checks in RFC 6749 §4.1.2.1 order (error
 * page first, then redirects), prompt (OIDC Core §3.1.2.1), consent and
 * its scope lines, default scopes (RFC 6749 §3.3), and the Location
 * values with iss (RFC 9207).
 */
#include "authorize.h"
#include "crypto.h"
#include "codes.h"
#include "revocation.h"
#include "sessions.h"
#include "sweep.h"
#include "tokens.h"
#include "helpers.h"
#include "suites.h"

using namespace seam;
using outcome = authorization_check::outcome;

namespace {

const char *const good_uri = "https://x.integrations.getseam.com/cb?session=1";

oauth_config
make_config()
{
    oauth_config config;
    client_config seam;
    seam.id = "seam";
    seam.name = "Seam";
    ck_assert_std_eq(seam.redirects.add("https://*.integrations.getseam.com/"),
                     "");
    seam.intercom_guide = true;
    seam.scopes = {"devices", "access_codes"};
    seam.default_scopes = {"devices"};
    config.clients.push_back(seam);

    client_config strict;
    strict.id = "strict";
    ck_assert_std_eq(strict.redirects.add("https://app.example.com/cb"), "");
    strict.require_pkce = true;
    strict.scopes = {"read"};
    strict.default_scopes = {"read"};
    config.clients.push_back(strict);

    client_config plain;
    plain.id = "plain";
    ck_assert_std_eq(plain.redirects.add("https://plain.example.com/cb"), "");
    config.clients.push_back(plain);
    return config;
}

params
make_params(std::initializer_list<std::pair<const char *, std::string>> l)
{
    params p;
    for (const auto &kv : l) {
        ck_assert(p.add(kv.first, kv.second));
    }
    return p;
}

const std::string challenge =
    s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");

}  // namespace

START_TEST(ok_request)
{
    oauth_config config = make_config();
    authorization_check c = check_authorization(
        make_params({{"client_id", "seam"},
                     {"redirect_uri", good_uri},
                     {"response_type", "code"},
                     {"state", "st"},
                     {"scope", "devices access_codes"}}),
        config);
    ck_assert(c.result == outcome::ok);
    ck_assert_ptr_eq(c.request.client, config.find("seam"));
    ck_assert_std_eq(c.request.redirect_uri, good_uri);
    ck_assert_std_eq(c.request.redirect_to, good_uri);
    ck_assert_std_eq(c.request.state, "st");
    ck_assert_std_eq(c.request.scope, "devices access_codes");
    ck_assert_std_eq(c.request.code_challenge, "");
    ck_assert(c.error == oauth_error::none);

    ck_assert_std_eq(redirect_with_code(c.request, "abc"),
                     std::string(good_uri) + "&code=abc&state=st");
}
END_TEST

START_TEST(intercom_guide_defaults)
{
    oauth_config config = make_config();
    /* Seam's guide sends only redirect_uri: the intercom_guide client,
     * response_type=code */
    authorization_check c = check_authorization(
        make_params({{"redirect_uri", good_uri}}), config);
    ck_assert(c.result == outcome::ok);
    ck_assert_ptr_eq(c.request.client, config.find("seam"));
    ck_assert_std_eq(c.request.state, "");
    /* no state: none in the Location */
    ck_assert_std_eq(redirect_with_code(c.request, "k"),
                     std::string(good_uri) + "&code=k");
}
END_TEST

START_TEST(error_page_cases)
{
    oauth_config config = make_config();
    /* unknown client */
    authorization_check c = check_authorization(
        make_params({{"client_id", "nobody"}, {"redirect_uri", good_uri},
                     {"response_type", "code"}}),
        config);
    ck_assert(c.result == outcome::show_error);
    ck_assert(!c.message.empty());
    /* missing redirect_uri */
    c = check_authorization(
        make_params({{"client_id", "seam"}, {"response_type", "code"}}),
        config);
    ck_assert(c.result == outcome::show_error);
    /* redirect_uri of another client */
    c = check_authorization(
        make_params({{"client_id", "strict"}, {"redirect_uri", good_uri},
                     {"response_type", "code"}}),
        config);
    ck_assert(c.result == outcome::show_error);
    /* bad redirect_uri: an error page even when everything else is bad */
    c = check_authorization(
        make_params({{"client_id", "seam"},
                     {"redirect_uri", "https://evil.example/cb"},
                     {"response_type", "token"}}),
        config);
    ck_assert(c.result == outcome::show_error);
    /* no client_id and no intercom_guide client */
    oauth_config other;
    other.clients.push_back(*config.find("plain"));
    c = check_authorization(
        make_params({{"redirect_uri", "https://plain.example.com/cb"},
                     {"response_type", "code"}}),
        other);
    ck_assert(c.result == outcome::show_error);
}
END_TEST

START_TEST(response_type)
{
    oauth_config config = make_config();
    authorization_check c = check_authorization(
        make_params({{"client_id", "seam"}, {"redirect_uri", good_uri},
                     {"response_type", "token"}, {"state", "s1"}}),
        config);
    ck_assert(c.result == outcome::redirect_error);
    ck_assert(c.error == oauth_error::unsupported_response_type);
    std::string loc = redirect_with_error(c.request, c.error, c.description);
    ck_assert_contains(loc, std::string(good_uri)
                                + "&error=unsupported_response_type"
                                  "&error_description=");
    ck_assert_contains(loc, "&state=s1");

    c = check_authorization(
        make_params({{"client_id", "seam"}, {"redirect_uri", good_uri},
                     {"response_type", "code token"}}),
        config);
    ck_assert(c.error == oauth_error::unsupported_response_type);

    /* absent: code for the intercom_guide client only */
    c = check_authorization(
        make_params({{"client_id", "plain"},
                     {"redirect_uri", "https://plain.example.com/cb"}}),
        config);
    ck_assert(c.result == outcome::redirect_error);
    ck_assert(c.error == oauth_error::invalid_request);
}
END_TEST

START_TEST(pkce_checks)
{
    oauth_config config = make_config();
    auto run = [&](std::initializer_list<std::pair<const char *, std::string>>
                       extra) {
        params p = make_params({{"client_id", "strict"},
                                {"redirect_uri", "https://app.example.com/cb"},
                                {"response_type", "code"}});
        for (const auto &kv : extra) {
            p.add(kv.first, kv.second);
        }
        return check_authorization(p, config);
    };

    authorization_check c = run({{"code_challenge", challenge},
                                 {"code_challenge_method", "S256"}});
    ck_assert(c.result == outcome::ok);
    ck_assert_std_eq(c.request.code_challenge, challenge);

    /* required, missing */
    c = run({});
    ck_assert(c.result == outcome::redirect_error);
    ck_assert(c.error == oauth_error::invalid_request);
    /* plain */
    c = run({{"code_challenge", challenge},
             {"code_challenge_method", "plain"}});
    ck_assert(c.error == oauth_error::invalid_request);
    /* no method: plain by RFC 7636 default, refused */
    c = run({{"code_challenge", challenge}});
    ck_assert(c.error == oauth_error::invalid_request);
    /* method in lower case */
    c = run({{"code_challenge", challenge},
             {"code_challenge_method", "s256"}});
    ck_assert(c.error == oauth_error::invalid_request);
    /* 42 and 44 characters, bad charset */
    c = run({{"code_challenge", challenge.substr(0, 42)},
             {"code_challenge_method", "S256"}});
    ck_assert(c.error == oauth_error::invalid_request);
    c = run({{"code_challenge", challenge + "A"},
             {"code_challenge_method", "S256"}});
    ck_assert(c.error == oauth_error::invalid_request);
    c = run({{"code_challenge", std::string(128, 'A')},
             {"code_challenge_method", "S256"}});
    ck_assert(c.error == oauth_error::invalid_request);
    c = run({{"code_challenge", "+" + challenge.substr(1)},
             {"code_challenge_method", "S256"}});
    ck_assert(c.error == oauth_error::invalid_request);
    /* method without challenge */
    c = run({{"code_challenge_method", "S256"}});
    ck_assert(c.error == oauth_error::invalid_request);

    /* a client that does not require PKCE still honours a challenge */
    c = check_authorization(
        make_params({{"client_id", "seam"}, {"redirect_uri", good_uri},
                     {"code_challenge", challenge},
                     {"code_challenge_method", "S256"}}),
        config);
    ck_assert(c.result == outcome::ok);
    ck_assert_std_eq(c.request.code_challenge, challenge);
}
END_TEST

START_TEST(scope_checks)
{
    oauth_config config = make_config();
    auto run = [&](const char *scope) {
        return check_authorization(
            make_params({{"client_id", "seam"}, {"redirect_uri", good_uri},
                         {"scope", scope}}),
            config);
    };
    ck_assert(run("devices").result == outcome::ok);
    authorization_check c = run("admin");
    ck_assert(c.result == outcome::redirect_error);
    ck_assert(c.error == oauth_error::invalid_scope);
    ck_assert(run("devices admin").error == oauth_error::invalid_scope);
    ck_assert(run("devices  access_codes").error
              == oauth_error::invalid_scope);
    ck_assert(run(" devices").error == oauth_error::invalid_scope);
    ck_assert(run("devices\"").error == oauth_error::invalid_scope);
}
END_TEST

/* RFC 6749 §3.3: a request without scope gets the client's default; a
 * client with scopes and no default refuses it; a client without scopes
 * grants none. */
START_TEST(default_scopes)
{
    oauth_config config = make_config();
    auto run = [&](const char *client, const char *uri,
                   const char *scope) {
        params p = make_params({{"client_id", client},
                                {"redirect_uri", uri},
                                {"response_type", "code"}});
        if (scope != nullptr) {
            ck_assert(p.add("scope", scope));
        }
        return check_authorization(p, config);
    };

    /* "seam" with scopes and no default: refused, by redirect */
    config.clients[0].default_scopes.clear();
    authorization_check c = run("seam", good_uri, nullptr);
    ck_assert(c.result == outcome::redirect_error);
    ck_assert(c.error == oauth_error::invalid_scope);
    ck_assert_contains(c.description, "no default scope");
    /* an empty scope is an omitted one (RFC 6749 §3.1) */
    ck_assert(run("seam", good_uri, "").error == oauth_error::invalid_scope);

    config.clients[0].default_scopes = {"access_codes", "devices"};
    c = run("seam", good_uri, nullptr);
    ck_assert(c.result == outcome::ok);
    ck_assert_std_eq(c.request.scope, "access_codes devices");
    ck_assert_std_eq(run("seam", good_uri, "").request.scope,
                     "access_codes devices");
    /* a scope that is asked for replaces the default, narrower or not */
    ck_assert_std_eq(run("seam", good_uri, "devices").request.scope,
                     "devices");
    ck_assert(run("seam", good_uri, "admin").error
              == oauth_error::invalid_scope);
    /* the default is bound into the CSRF token like any scope: it is the
     * request's scope from here on */

    /* "plain" has no scopes at all: nothing to grant, nothing refused */
    c = run("plain", "https://plain.example.com/cb", nullptr);
    ck_assert(c.result == outcome::ok);
    ck_assert_std_eq(c.request.scope, "");
    ck_assert(run("plain", "https://plain.example.com/cb", "x").error
              == oauth_error::invalid_scope);
}
END_TEST

START_TEST(error_location_encoded)
{
    oauth_config config = make_config();
    authorization_check c = check_authorization(
        make_params({{"client_id", "seam"}, {"redirect_uri", good_uri},
                     {"response_type", "token"},
                     {"state", "\"><script>\r\nSet-Cookie: x=1"}}),
        config);
    ck_assert(c.result == outcome::redirect_error);
    std::string loc = redirect_with_error(c.request, c.error, c.description);
    ck_assert_contains(loc, "&state=%22%3E%3Cscript%3E%0D%0ASet-Cookie%3A%20"
                            "x%3D1");
    ck_assert_not_contains(loc, "\r");
    ck_assert_not_contains(loc, "\n");
    ck_assert_not_contains(loc, "<");
    ck_assert_not_contains(loc, " ");

    std::string code_loc = redirect_with_code(c.request, "a b");
    ck_assert_contains(code_loc, "?session=1&code=a%20b&state=%22%3E");
}
END_TEST

/* ---- prompt, consent, iss --------------------------------------------- */

START_TEST(prompt_values)
{
    oauth_config config = make_config();
    auto run = [&](const char *prompt) {
        params p = make_params({{"client_id", "seam"},
                                {"redirect_uri", good_uri},
                                {"state", "st"}});
        if (prompt != nullptr) {
            p.add("prompt", prompt);
        }
        return check_authorization(p, config);
    };

    /* accepted, with exactly these flags */
    auto expect = [&](const char *prompt, bool login, bool consent,
                      bool none) {
        authorization_check c = run(prompt);
        ck_assert_msg(c.result == outcome::ok, "prompt %s refused",
                      prompt ? prompt : "(absent)");
        ck_assert(c.request.prompt_login == login);
        ck_assert(c.request.prompt_consent == consent);
        ck_assert(c.request.prompt_none == none);
    };

    expect(nullptr, false, false, false);
    expect("login", true, false, false);
    expect("consent", false, true, false);
    expect("none", false, false, true);
    expect("login consent", true, true, false);

    /* values are case-sensitive; unknown ones are ignored */
    expect("select_account", false, false, false);
    expect("Login", false, false, false);
    expect("logins", false, false, false);
}
END_TEST

START_TEST(prompt_none_combined)
{
    oauth_config config = make_config();
    for (const char *prompt : {"none login", "login none", "none consent",
                               "consent login none"})
    {
        authorization_check c = check_authorization(
            make_params({{"client_id", "seam"}, {"redirect_uri", good_uri},
                         {"state", "st"}, {"prompt", prompt}}),
            config);
        ck_assert_msg(c.result == outcome::redirect_error,
                      "prompt=%s was not refused", prompt);
        ck_assert(c.error == oauth_error::invalid_request);
        ck_assert_contains(c.description, "prompt");
        /* a redirect back to the client, with the state */
        std::string loc = redirect_with_error(c.request, c.error,
                                              c.description);
        ck_assert_contains(loc, std::string(good_uri)
                                    + "&error=invalid_request");
        ck_assert_contains(loc, "&state=st");
    }
    /* checked after the redirect_uri: a bad one still gets the page */
    authorization_check c = check_authorization(
        make_params({{"client_id", "seam"},
                     {"redirect_uri", "https://evil.example/cb"},
                     {"prompt", "none login"}}),
        config);
    ck_assert(c.result == outcome::show_error);
}
END_TEST

START_TEST(consent_needed)
{
    oauth_config config = make_config();
    client_config quiet = *config.find("plain");
    quiet.id = "quiet";
    ck_assert_std_eq(configure_client(quiet, "consent=off"), "");
    config.clients.push_back(quiet);

    authorization_request r;
    r.client = config.find("seam");
    ck_assert(r.client->consent);               /* the default */
    ck_assert(needs_consent(r));
    r.prompt_consent = true;
    ck_assert(needs_consent(r));

    r = authorization_request{};
    r.client = config.find("quiet");
    ck_assert(!needs_consent(r));
    /* prompt=login asks the password, not approval */
    r.prompt_login = true;
    ck_assert(!needs_consent(r));
    /* prompt=consent asks even a consent=off client's owner */
    r.prompt_consent = true;
    ck_assert(needs_consent(r));

    /* through check_authorization */
    authorization_check c = check_authorization(
        make_params({{"client_id", "quiet"},
                     {"redirect_uri", "https://plain.example.com/cb"},
                     {"response_type", "code"}}),
        config);
    ck_assert(c.result == outcome::ok);
    ck_assert(!needs_consent(c.request));
    c = check_authorization(
        make_params({{"client_id", "quiet"},
                     {"redirect_uri", "https://plain.example.com/cb"},
                     {"response_type", "code"}, {"prompt", "consent"}}),
        config);
    ck_assert(c.result == outcome::ok);
    ck_assert(needs_consent(c.request));
}
END_TEST

START_TEST(scope_lines)
{
    oauth_config config = make_config();
    config.scope_descriptions["devices"] = "See your devices";
    config.scope_descriptions["intercoms:unlock"] = "Open your doors";

    ck_assert_std_eq(describe_scopes(config, "devices"), "See your devices");
    /* one line each, in the order asked; the name when not described */
    ck_assert_std_eq(describe_scopes(config, "devices access_codes"),
                     "See your devices\naccess_codes");
    ck_assert_std_eq(describe_scopes(config,
                                     "access_codes intercoms:unlock devices"),
                     "access_codes\nOpen your doors\nSee your devices");
    /* no scope: the account itself, and nothing that sounds like more */
    ck_assert_std_eq(describe_scopes(config, ""), "Access to your account");
    oauth_config bare;
    ck_assert_std_eq(describe_scopes(bare, ""), "Access to your account");
    ck_assert_std_eq(describe_scopes(bare, "devices"), "devices");
}
END_TEST

START_TEST(iss_parameter)
{
    oauth_config config = make_config();
    authorization_check c = check_authorization(
        make_params({{"client_id", "seam"}, {"redirect_uri", good_uri},
                     {"state", "st"}}),
        config);
    ck_assert(c.result == outcome::ok);
    ck_assert_std_eq(c.request.issuer, "");
    /* no issuer: no iss */
    ck_assert_not_contains(redirect_with_code(c.request, "abc"), "iss=");
    ck_assert_not_contains(
        redirect_with_error(c.request, oauth_error::access_denied, "no"),
        "iss=");

    /* RFC 9207: iss with the code and with an error, encoded */
    c.request.issuer = "https://auth.example.com";
    ck_assert_std_eq(redirect_with_code(c.request, "abc"),
                     std::string(good_uri)
                         + "&code=abc&state=st"
                           "&iss=https%3A%2F%2Fauth.example.com");
    std::string loc = redirect_with_error(c.request,
                                          oauth_error::access_denied,
                                          "the owner said no");
    ck_assert_contains(loc, std::string(good_uri) + "&error=access_denied");
    ck_assert_contains(loc, "&state=st");
    ck_assert_contains(loc, "&iss=https%3A%2F%2Fauth.example.com");

    /* without a state */
    c.request.state = "";
    ck_assert_std_eq(redirect_with_code(c.request, "k"),
                     std::string(good_uri)
                         + "&code=k&iss=https%3A%2F%2Fauth.example.com");
    c.request.issuer = "https://a.example/x?y=1&z";
    ck_assert_contains(redirect_with_code(c.request, "k"),
                       "&iss=https%3A%2F%2Fa.example%2Fx%3Fy%3D1%26z");
}
END_TEST

Suite *
authorize_suite()
{
    Suite *s = suite_create("authorize");
    TCase *tc = tcase_create("check");
    tcase_add_test(tc, ok_request);
    tcase_add_test(tc, intercom_guide_defaults);
    tcase_add_test(tc, error_page_cases);
    tcase_add_test(tc, response_type);
    tcase_add_test(tc, pkce_checks);
    tcase_add_test(tc, scope_checks);
    tcase_add_test(tc, default_scopes);
    tcase_add_test(tc, error_location_encoded);
    suite_add_tcase(s, tc);

    tc = tcase_create("prompt_consent");
    tcase_add_test(tc, prompt_values);
    tcase_add_test(tc, prompt_none_combined);
    tcase_add_test(tc, consent_needed);
    tcase_add_test(tc, scope_lines);
    tcase_add_test(tc, iss_parameter);
    suite_add_tcase(s, tc);

    return s;
}
