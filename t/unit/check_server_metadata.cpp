/*
 * server_metadata.h: authorization server metadata (RFC 8414) from the
 * configuration: the endpoints on the issuer, what they support, the
 * scopes of the clients, iss in authorization responses (RFC 9207).
 */
#include "helpers.h"
#include "server_metadata.h"
#include "suites.h"

#include <nlohmann/json.hpp>

using namespace seam;
using json = nlohmann::json;

namespace {

oauth_config
make_config()
{
    oauth_config config;
    client_config seam;
    seam.id = "seam";
    seam.scopes = {"devices", "intercoms:unlock", "access_codes"};
    config.clients.push_back(seam);
    client_config other;
    other.id = "other";
    other.scopes = {"devices", "read"};
    config.clients.push_back(other);
    client_config none;
    none.id = "none";
    config.clients.push_back(none);
    return config;
}

endpoint_paths
all_paths()
{
    endpoint_paths p;
    p.authorize = "/oauth/authorize";
    p.token = "/oauth/token";
    p.revoke = "/oauth/revoke";
    p.introspect = "/oauth/introspect";
    return p;
}

/* The answer's JSON body, after the checks every answer must pass. */
json
document(const http_answer &a)
{
    ck_assert_int_eq(a.status, 200);
    ck_assert_std_eq(a.content_type, "application/json");
    json m = json::parse(a.body, nullptr, false);
    ck_assert_msg(m.is_object(), "not a JSON object: %s", a.body.c_str());
    return m;
}

const json auth_methods = {"client_secret_basic", "client_secret_post"};

/* The document with the endpoints at `paths`, as the handler directives
 * record them in the configuration. */
http_answer
meta(oauth_config config, std::string_view issuer,
     const endpoint_paths &paths)
{
    config.paths = paths;
    return metadata(config, issuer);
}

}  // namespace

START_TEST(fields)
{
    json m = document(meta(make_config(), "https://auth.example.com",
                               all_paths()));
    ck_assert_std_eq(m.value("issuer", ""), "https://auth.example.com");
    ck_assert_std_eq(m.value("authorization_endpoint", ""),
                     "https://auth.example.com/oauth/authorize");
    ck_assert_std_eq(m.value("token_endpoint", ""),
                     "https://auth.example.com/oauth/token");
    ck_assert_std_eq(m.value("revocation_endpoint", ""),
                     "https://auth.example.com/oauth/revoke");
    ck_assert_std_eq(m.value("introspection_endpoint", ""),
                     "https://auth.example.com/oauth/introspect");

    ck_assert(m["response_types_supported"] == json({"code"}));
    ck_assert(m["response_modes_supported"] == json({"query"}));
    ck_assert(m["grant_types_supported"]
              == json({"authorization_code", "refresh_token"}));
    /* S256 only: no plain (RFC 9700 §2.1.1) */
    ck_assert(m["code_challenge_methods_supported"] == json({"S256"}));
    ck_assert(m["token_endpoint_auth_methods_supported"] == auth_methods);
    ck_assert(m["revocation_endpoint_auth_methods_supported"]
              == auth_methods);
    ck_assert(m["introspection_endpoint_auth_methods_supported"]
              == auth_methods);
    ck_assert(m["authorization_response_iss_parameter_supported"] == true);

    /* every client's scopes, once each */
    ck_assert(m["scopes_supported"]
              == json({"access_codes", "devices", "intercoms:unlock",
                       "read"}));
}
END_TEST

START_TEST(issuer_joins)
{
    /* a trailing slash on the issuer makes no double slash; the issuer
     * itself is kept exactly, as iss must match it (RFC 9207 §2.4) */
    json m = document(meta(make_config(), "https://auth.example.com/",
                               all_paths()));
    ck_assert_std_eq(m.value("issuer", ""), "https://auth.example.com/");
    ck_assert_std_eq(m.value("token_endpoint", ""),
                     "https://auth.example.com/oauth/token");
    ck_assert_std_eq(m.value("authorization_endpoint", ""),
                     "https://auth.example.com/oauth/authorize");
    for (const char *name : {"authorization_endpoint", "token_endpoint",
                             "revocation_endpoint", "introspection_endpoint"})
    {
        std::string url = m.value(name, "");
        ck_assert_not_contains(url.substr(8), "//");
    }

    /* an issuer with a path */
    m = document(meta(make_config(), "https://h.example/tenant",
                          all_paths()));
    ck_assert_std_eq(m.value("token_endpoint", ""),
                     "https://h.example/tenant/oauth/token");
    m = document(meta(make_config(), "http://127.0.0.1:8080//",
                          all_paths()));
    ck_assert_std_eq(m.value("introspection_endpoint", ""),
                     "http://127.0.0.1:8080/oauth/introspect");
}
END_TEST

START_TEST(endpoints_absent)
{
    endpoint_paths p;
    p.authorize = "/authorize";
    p.token = "/token";
    json m = document(meta(make_config(), "https://a.example", p));
    ck_assert_std_eq(m.value("authorization_endpoint", ""),
                     "https://a.example/authorize");
    ck_assert_std_eq(m.value("token_endpoint", ""),
                     "https://a.example/token");
    /* no location holds them: not announced */
    ck_assert(!m.contains("revocation_endpoint"));
    ck_assert(!m.contains("revocation_endpoint_auth_methods_supported"));
    ck_assert(!m.contains("introspection_endpoint"));
    ck_assert(!m.contains("introspection_endpoint_auth_methods_supported"));

    m = document(meta(make_config(), "https://a.example",
                          endpoint_paths{}));
    ck_assert(!m.contains("authorization_endpoint"));
    ck_assert(!m.contains("token_endpoint"));
    ck_assert(!m.contains("revocation_endpoint"));
    ck_assert(!m.contains("introspection_endpoint"));
    /* the rest is still there */
    ck_assert_std_eq(m.value("issuer", ""), "https://a.example");
    ck_assert(m["code_challenge_methods_supported"] == json({"S256"}));

    p = endpoint_paths{};
    p.revoke = "/r";
    m = document(meta(make_config(), "https://a.example", p));
    ck_assert_std_eq(m.value("revocation_endpoint", ""),
                     "https://a.example/r");
    ck_assert(m["revocation_endpoint_auth_methods_supported"]
              == auth_methods);
    ck_assert(!m.contains("token_endpoint"));
    ck_assert(!m.contains("introspection_endpoint"));
}
END_TEST

START_TEST(no_scopes)
{
    oauth_config config;
    client_config c;
    c.id = "c";
    config.clients.push_back(c);
    json m = document(meta(config, "https://a.example", all_paths()));
    ck_assert(m["scopes_supported"].is_array());
    ck_assert_uint_eq(m["scopes_supported"].size(), 0);
}
END_TEST

Suite *
server_metadata_suite()
{
    Suite *s = suite_create("server_metadata");
    TCase *tc = tcase_create("document");
    tcase_add_test(tc, fields);
    tcase_add_test(tc, issuer_joins);
    tcase_add_test(tc, endpoints_absent);
    tcase_add_test(tc, no_scopes);
    suite_add_tcase(s, tc);
    return s;
}
