/*
 * token_endpoint.h: POST /oauth/token planning (RFC 6749 §2.3, §3.2,
 * §4.1.3, §5.2; security.md rows 23-28 and 34), grant_type=refresh_token
 * (§6), the answer to a redemption (§5.1, row 37), revocation (RFC 7009)
 * and introspection (RFC 7662).
 */
#include "crypto.h"
#include "helpers.h"
#include "suites.h"
#include "throttle.h"
#include "token_endpoint.h"

#include <nlohmann/json.hpp>

#include <initializer_list>

using namespace seam;
using json = nlohmann::json;

namespace {

const char *const secret = "s3cret-value";

/* A client configured as its directive would: every option accepted. */
void
register_client(oauth_config &config, const std::string &id,
           std::initializer_list<std::string> options)
{
    client_config c;
    c.id = id;
    for (const std::string &option : options) {
        ck_assert_std_eq(configure_client(c, option), "");
    }
    ck_assert_std_eq(finish_client(c), "");
    config.clients.push_back(c);
}

oauth_config
make_config()
{
    oauth_config config;
    config.realm = "seam-oauth";
    config.access_token_ttl = 3600;
    register_client(config, "seam",
               {std::string("secret=") + secret,
                "redirect=https://*.integrations.getseam.com/",
                "intercom_guide"});
    register_client(config, "other:id",
               {"secret=x", "redirect=https://o.example/cb"});
    register_client(config, "rotor",
               {"secret=rotor-secret", "redirect=https://r.example/cb",
                "refresh=rotate"});
    /* a resource server that may introspect any token */
    register_client(config, "rs",
               {"secret=rs-secret", "redirect=https://rs.example/cb",
                "introspect"});
    return config;
}

token_request
post_form(std::string_view body,
          std::optional<std::string_view> authorization = std::nullopt)
{
    token_request r;
    r.method = "POST";
    r.content_type = "application/x-www-form-urlencoded";
    r.body = body;
    r.authorization = authorization;
    return r;
}

std::string
basic(std::string_view id, std::string_view pass)
{
    return "Basic " + base64_encode(std::string(id) + ":" + std::string(pass));
}

std::optional<std::string>
header(const http_answer &a, std::string_view name)
{
    for (const auto &h : a.headers) {
        if (h.first == name) {
            return h.second;
        }
    }
    return std::nullopt;
}

/* The endpoint under test, in one place. */
token_step
plan(const token_request &r, const oauth_config &config, uint64_t now)
{
    static const std::string rotation_key(32, 'r');
    static temp_store ts;
    return plan_token_request(r, config, ts.get(), now, rotation_key,
                              "192.0.2.1");
}

/* The plan goes on to redeem a code. */
bool
ready(const token_step &p)
{
    return p.what == token_step::next::redeem;
}

/* An error answer: status, the JSON error code, no-store. */
void
expect_error(const http_answer &a, int status, const char *error)
{
    ck_assert_int_eq(a.status, status);
    ck_assert_std_eq(a.content_type, "application/json");
    json body = json::parse(a.body, nullptr, false);
    ck_assert_msg(body.is_object(), "body is not JSON: %s", a.body.c_str());
    ck_assert_std_eq(body.value("error", ""), error);
    ck_assert_std_eq(header(a, "Cache-Control").value_or(""), "no-store");
    ck_assert_std_eq(header(a, "Pragma").value_or(""), "no-cache");
}

void
expect_error(const token_step &p, int status, const char *error)
{
    ck_assert_msg(!ready(p), "the request was accepted");
    ck_assert_msg(p.what == token_step::next::answer
                  || p.what == token_step::next::count_failure,
                  "the request goes on to work");
    expect_error(p.answer, status, error);
}

void
expect_error(const revocation_plan &p, int status, const char *error)
{
    ck_assert_msg(!p.ready, "the revocation was accepted");
    ck_assert_std_eq(p.token, "");
    expect_error(p.answer, status, error);
}

const std::string body_auth = std::string("&client_id=seam&client_secret=")
                              + secret;

/* Tokens of the client "seam" for u_42, redeemed at 1001: the access
 * token lives an hour, the refresh token `refresh_ttl` (a day; 0: none). */
redemption
seam_tokens(store &s, const std::string &scope = "devices",
            uint64_t refresh_ttl = 86400)
{
    return redeem_fresh_code(s, "u_42", scope, 1000, 1001, refresh_ttl);
}

/* An introspection answer: 200, JSON, no-store; its body. */
json
introspection(const http_answer &a)
{
    ck_assert_int_eq(a.status, 200);
    ck_assert_std_eq(a.content_type, "application/json");
    ck_assert_std_eq(header(a, "Cache-Control").value_or(""), "no-store");
    json body = json::parse(a.body, nullptr, false);
    ck_assert_msg(body.is_object(), "body is not JSON: %s", a.body.c_str());
    ck_assert_msg(body.contains("active") && body["active"].is_boolean(),
                  "no boolean active: %s", a.body.c_str());
    return body;
}

/* RFC 7662 §2.2: an inactive token is {"active":false} and nothing else. */
void
expect_inactive(const http_answer &a)
{
    json body = introspection(a);
    ck_assert_msg(body == json({{"active", false}}), "not inactive: %s",
                  a.body.c_str());
}

}  // namespace

START_TEST(form_ready)
{
    oauth_config config = make_config();
    std::string body = "grant_type=authorization_code&code=abc"
                       "&redirect_uri=https%3A%2F%2Fx.integrations.getseam"
                       ".com%2Fcb&code_verifier=vvv" + body_auth;
    token_step p = plan(post_form(body), config, 1234);
    ck_assert(ready(p));
    ck_assert_std_eq(p.redeem.code, "abc");
    ck_assert_std_eq(p.redeem.client_id, "seam");
    ck_assert(p.redeem.redirect_uri.has_value());
    ck_assert_std_eq(*p.redeem.redirect_uri,
                     "https://x.integrations.getseam.com/cb");
    ck_assert(p.redeem.redirect_uri_optional);   /* intercom_guide */
    ck_assert(p.redeem.code_verifier.has_value());
    ck_assert_std_eq(*p.redeem.code_verifier, "vvv");
    ck_assert(p.redeem.now == 1234);
    ck_assert(p.redeem.access_token_ttl == 3600);

    /* no redirect_uri, no verifier: absent, not empty */
    p = plan(
        post_form("grant_type=authorization_code&code=abc" + body_auth),
        config, 1);
    ck_assert(ready(p));
    ck_assert(!p.redeem.redirect_uri);
    ck_assert(!p.redeem.code_verifier);

    /* a client without intercom_guide needs redirect_uri */
    p = plan(
        post_form("grant_type=authorization_code&code=abc",
                  basic("other%3Aid", "x")),
        config, 1);
    ck_assert(ready(p));
    ck_assert(!p.redeem.redirect_uri_optional);

    /* Content-Type absent, or with parameters and in another case */
    /* token_request holds views: keep the body alive */
    const std::string form = "code=abc" + body_auth;
    token_request r = post_form(form);
    r.content_type = "";
    ck_assert(ready(plan(r, config, 1)));
    r.content_type = "Application/X-WWW-Form-Urlencoded; charset=UTF-8";
    ck_assert(ready(plan(r, config, 1)));
    r.content_type = "text/plain";
    expect_error(plan(r, config, 1), 400, "invalid_request");
}
END_TEST

START_TEST(get_refused)
{
    oauth_config config = make_config();
    const std::string form = "grant_type=authorization_code&code=abc"
                             + body_auth;
    token_request r = post_form(form);
    r.method = "GET";
    token_step p = plan(r, config, 1);
    expect_error(p, 405, "invalid_request");
    ck_assert_std_eq(header(p.answer, "Allow").value_or(""), "POST");
    r.method = "PUT";
    ck_assert_int_eq(plan(r, config, 1).answer.status, 405);
    r.method = "post";
    ck_assert_int_eq(plan(r, config, 1).answer.status, 405);
}
END_TEST

START_TEST(json_body)
{
    oauth_config config = make_config();
    token_request r = post_form(
        "{\"grant_type\":\"authorization_code\",\"code\":\"abc\","
        "\"client_id\":\"seam\",\"client_secret\":\"s3cret-value\","
        "\"redirect_uri\":\"https://x.integrations.getseam.com/cb\"}");
    r.content_type = "application/json";
    token_step p = plan(r, config, 1);
    ck_assert(ready(p));
    ck_assert_std_eq(p.redeem.code, "abc");
    ck_assert_std_eq(p.redeem.client_id, "seam");
    ck_assert_std_eq(p.redeem.redirect_uri.value_or(""),
                     "https://x.integrations.getseam.com/cb");
    r.content_type = "application/json; charset=utf-8";
    ck_assert(ready(plan(r, config, 1)));

    /* a JSON body sent as a form is a form parse (and not authenticated) */
    r.content_type = "application/x-www-form-urlencoded";
    ck_assert(!ready(plan(r, config, 1)));
}
END_TEST

START_TEST(json_refused)
{
    oauth_config config = make_config();
    const char *bad[] = {
        /* duplicate names */
        "{\"code\":\"a\",\"code\":\"b\",\"client_id\":\"seam\","
        "\"client_secret\":\"s3cret-value\"}",
        "{\"code\":\"a\",\"client_id\":\"seam\",\"client_secret\":\"x\","
        "\"client_secret\":\"s3cret-value\"}",
        /* non-string values */
        "{\"code\":1,\"client_id\":\"seam\",\"client_secret\":"
        "\"s3cret-value\"}",
        "{\"code\":\"a\",\"client_id\":\"seam\",\"client_secret\":"
        "\"s3cret-value\",\"x\":null}",
        "{\"code\":\"a\",\"client_id\":\"seam\",\"client_secret\":"
        "\"s3cret-value\",\"x\":true}",
        "{\"code\":[\"a\"],\"client_id\":\"seam\",\"client_secret\":"
        "\"s3cret-value\"}",
        "{\"code\":{\"a\":\"b\"},\"client_id\":\"seam\",\"client_secret\":"
        "\"s3cret-value\"}",
        /* not an object */
        "[\"code\",\"a\"]",
        "[]",
        "\"code\"",
        "null",
        "",
        /* broken */
        "{\"code\":\"a\"",
        "{\"code\":\"a\"} x",
        "{\"code\":\"a\",}",
        /* NUL in a value */
        "{\"code\":\"a\\u0000b\",\"client_id\":\"seam\",\"client_secret\":"
        "\"s3cret-value\"}",
    };
    for (const char *body : bad) {
        token_request r = post_form(body);
        r.content_type = "application/json";
        token_step p = plan(r, config, 1);
        ck_assert_msg(!ready(p), "JSON body accepted: %s", body);
        ck_assert_msg(p.answer.status == 400, "status %d for %s",
                      p.answer.status, body);
        expect_error(p, 400, "invalid_request");
    }
    /* nested duplicates are inside a refused non-string value anyway */
    ck_assert(!parse_json_params("{\"a\":{\"b\":\"1\",\"b\":\"2\"}}"));
}
END_TEST

START_TEST(json_params_direct)
{
    auto p = parse_json_params("{\"a\":\"1\",\"b\":\"x y\",\"c\":\"\"}");
    ck_assert(p.has_value());
    /* RFC 6749 §3.1: a parameter without a value counts as omitted */
    ck_assert_uint_eq(p->size(), 2);
    ck_assert_std_eq(p->value("a"), "1");
    ck_assert_std_eq(p->value("b"), "x y");
    ck_assert(!p->has("c"));
    ck_assert(!parse_json_params("{\"c\":\"\",\"c\":\"x\"}"));
    ck_assert(parse_json_params("{}").has_value());
    ck_assert(!parse_json_params("{\"a\":\"1\",\"a\":\"1\"}"));
    /* a duplicate spelled with an escape is still a duplicate */
    ck_assert(!parse_json_params("{\"code\":\"a\",\"co\\u0064e\":\"b\"}"));
    ck_assert(!parse_json_params("{\"a\":1.5}"));
    ck_assert(!parse_json_params("{\"a\":\"" + std::string(4097, 'x')
                                 + "\"}"));
    ck_assert(parse_json_params("{\"a\":\"" + std::string(4096, 'x') + "\"}")
                  .has_value());
    /* invalid UTF-8 */
    ck_assert(!parse_json_params("{\"a\":\"\xff\"}"));
    /* deep nesting: refused, not a crash */
    std::string deep = std::string(100000, '[') + std::string(100000, ']');
    ck_assert(!parse_json_params(deep));
    deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']')
           + "}";
    ck_assert(!parse_json_params(deep));
}
END_TEST

START_TEST(grant_types)
{
    oauth_config config = make_config();
    /* no grant_type, with a code: authorization_code (Seam's guide) */
    token_step p = plan(post_form("code=abc" + body_auth), config, 1);
    ck_assert(ready(p));
    ck_assert_std_eq(p.redeem.code, "abc");
    /* no grant_type and no code */
    expect_error(plan(post_form(body_auth.substr(1)), config, 1), 400,
                 "invalid_request");
    /* ROPC and unknown */
    expect_error(plan(post_form("grant_type=password&username=a&password=b"
                                + body_auth),
                      config, 1),
                 400, "unsupported_grant_type");
    expect_error(plan(post_form("grant_type=foo&code=abc" + body_auth),
                      config, 1),
                 400, "unsupported_grant_type");
    /* RFC 6749 §3.1: an empty grant_type counts as omitted */
    ck_assert(ready(plan(post_form("grant_type=&code=abc" + body_auth),
                         config, 1)));
    /* an empty code */
    expect_error(plan(post_form("grant_type=authorization_code&code="
                                + body_auth),
                      config, 1),
                 400, "invalid_request");
}
END_TEST

START_TEST(basic_auth)
{
    oauth_config config = make_config();
    std::string good = basic("seam", secret);
    token_step p = plan(
        post_form("grant_type=authorization_code&code=abc", good), config,
        1);
    ck_assert(ready(p));
    ck_assert_std_eq(p.redeem.client_id, "seam");

    /* the same client_id in the body is fine */
    p = plan(
        post_form("grant_type=authorization_code&code=abc&client_id=seam",
                  good),
        config, 1);
    ck_assert(ready(p));
    /* a different one is not */
    p = plan(
        post_form("grant_type=authorization_code&code=abc&client_id=other",
                  good),
        config, 1);
    expect_error(p, 400, "invalid_request");

    /* the scheme is case-insensitive */
    std::string lower = "basic " + good.substr(6);
    ck_assert(ready(plan(post_form("code=abc", lower), config, 1)));

    /* RFC 6749 §2.3.1: form-encoded before Basic: "other%3Aid" is the
     * client "other:id" */
    p = plan(post_form("code=abc", basic("other%3Aid", "x")), config, 1);
    ck_assert(ready(p));
    ck_assert_std_eq(p.redeem.client_id, "other:id");
}
END_TEST

START_TEST(basic_and_body_secret)
{
    oauth_config config = make_config();
    token_step p = plan(
        post_form("grant_type=authorization_code&code=abc&client_secret="
                  + std::string(secret),
                  basic("seam", secret)),
        config, 1);
    expect_error(p, 400, "invalid_request");
    ck_assert(!header(p.answer, "WWW-Authenticate"));
}
END_TEST

START_TEST(basic_wrong_secret)
{
    oauth_config config = make_config();
    token_step p = plan(
        post_form("grant_type=authorization_code&code=abc",
                  basic("seam", "wrong")),
        config, 1);
    expect_error(p, 401, "invalid_client");
    ck_assert_std_eq(header(p.answer, "WWW-Authenticate").value_or(""),
                     "Basic realm=\"seam-oauth\"");

    /* unknown client: the same answer */
    p = plan(post_form("code=abc", basic("nobody", secret)), config, 1);
    expect_error(p, 401, "invalid_client");
    ck_assert(header(p.answer, "WWW-Authenticate").has_value());

    /* the secret of another client */
    p = plan(post_form("code=abc", basic("seam", "x")), config, 1);
    expect_error(p, 401, "invalid_client");

    /* empty secret */
    p = plan(post_form("code=abc", basic("seam", "")), config, 1);
    expect_error(p, 401, "invalid_client");
}
END_TEST

START_TEST(basic_malformed)
{
    oauth_config config = make_config();
    std::string no_colon = "Basic " + base64_encode("seams3cret-value");
    std::string huge = "Basic " + base64_encode("seam:" + std::string(3000,
                                                                       'x'));
    const std::string bad[] = {
        "Basic !!!!",                /* not base64 */
        "Basic c2VhbTpz",            /* "seam:s": well formed, wrong */
        "Basic c2VhbTpzM2NyZXQtdmFsdWU",   /* padding missing */
        "Basic ",
        "Basic",
        no_colon,
        "Basic " + base64_encode("seam%:x"),   /* bad %-encoding in the id */
        "Bearer abc",                /* not Basic */
        huge,
    };
    for (const std::string &h : bad) {
        token_step p = plan(post_form("code=abc", h), config, 1);
        ck_assert_msg(!ready(p), "accepted: %s", h.c_str());
        ck_assert_msg(p.answer.status == 401, "status %d for %s",
                      p.answer.status, h.c_str());
        expect_error(p, 401, "invalid_client");
        ck_assert_std_eq(header(p.answer, "WWW-Authenticate").value_or(""),
                         "Basic realm=\"seam-oauth\"");
    }
}
END_TEST

START_TEST(body_auth_failures)
{
    oauth_config config = make_config();
    /* wrong secret: 401 invalid_client, but no Basic challenge since the
     * client did not use the Authorization header */
    token_step p = plan(
        post_form("code=abc&client_id=seam&client_secret=wrong"), config, 1);
    expect_error(p, 401, "invalid_client");
    ck_assert(!header(p.answer, "WWW-Authenticate"));

    /* missing secret or id */
    p = plan(post_form("code=abc&client_id=seam"), config, 1);
    expect_error(p, 401, "invalid_client");
    ck_assert(!header(p.answer, "WWW-Authenticate"));
    p = plan(
        post_form(std::string("code=abc&client_secret=") + secret), config, 1);
    expect_error(p, 401, "invalid_client");
    p = plan(
        post_form(std::string("code=abc&client_id=&client_secret=") + secret),
        config, 1);
    expect_error(p, 401, "invalid_client");
    /* a secret that is a prefix of the right one */
    p = plan(
        post_form("code=abc&client_id=seam&client_secret=s3cret"), config, 1);
    expect_error(p, 401, "invalid_client");
}
END_TEST

START_TEST(duplicate_params)
{
    oauth_config config = make_config();
    token_step p = plan(
        post_form("grant_type=authorization_code&code=a&code=b" + body_auth),
        config, 1);
    expect_error(p, 400, "invalid_request");
    json body = json::parse(p.answer.body);
    ck_assert_contains(body.value("error_description", ""), "code");

    p = plan(
        post_form("code=a" + body_auth + "&client_secret=x"), config, 1);
    expect_error(p, 400, "invalid_request");
    p = plan(post_form("code=a%zz" + body_auth), config, 1);
    expect_error(p, 400, "invalid_request");
    p = plan(post_form("code=a%00" + body_auth), config, 1);
    expect_error(p, 400, "invalid_request");
}
END_TEST

START_TEST(answer_success)
{
    oauth_config config = make_config();
    temp_store ts;
    ck_assert_uint_eq(config.access_token_ttl, 3600);
    redemption r = seam_tokens(ts.get(), "devices", 0);

    http_answer a = answer_redemption(r, config, "seam", false);
    ck_assert_int_eq(a.status, 200);
    ck_assert_std_eq(a.content_type, "application/json");
    ck_assert_std_eq(header(a, "Cache-Control").value_or(""), "no-store");
    ck_assert_std_eq(header(a, "Pragma").value_or(""), "no-cache");
    ck_assert(!header(a, "WWW-Authenticate"));

    json body = json::parse(a.body, nullptr, false);
    ck_assert(body.is_object());
    ck_assert_std_eq(body.value("access_token", ""), r.access_token);
    ck_assert_uint_eq(r.access_token.size(), 51);
    ck_assert_std_eq(body.value("token_type", ""), "Bearer");
    ck_assert(body["expires_in"].is_number_integer());
    ck_assert_int_eq(body["expires_in"].get<int>(), 3600);
    ck_assert_std_eq(body.value("user_id", ""), "u_42");
    ck_assert_std_eq(body.value("scope", ""), "devices");
    ck_assert(!body.contains("refresh_token"));
    ck_assert(!body.contains("error"));

    /* no scope: no scope field */
    r = seam_tokens(ts.get(), "", 0);
    body = json::parse(answer_redemption(r, config, "seam", false).body);
    ck_assert(!body.contains("scope"));
    ck_assert_std_eq(body.value("access_token", ""), r.access_token);
}
END_TEST

START_TEST(answer_errors)
{
    oauth_config config = make_config();
    redemption r;
    r.error = oauth_error::invalid_grant;
    r.description = "authorization code already used";
    http_answer a = answer_redemption(r, config, "seam", false);
    ck_assert_int_eq(a.status, 400);
    json body = json::parse(a.body);
    ck_assert_std_eq(body.value("error", ""), "invalid_grant");
    ck_assert_std_eq(body.value("error_description", ""),
                     "authorization code already used");
    ck_assert(!body.contains("access_token"));
    ck_assert_std_eq(header(a, "Cache-Control").value_or(""), "no-store");

    r = redemption{};
    r.error = oauth_error::temporarily_unavailable;
    r.store_full = true;
    a = answer_redemption(r, config, "seam", false);
    ck_assert_int_eq(a.status, 503);

    /* token_error: no description, no field; a quote is JSON-escaped */
    a = token_error(oauth_error::invalid_request, "", false, "r");
    body = json::parse(a.body);
    ck_assert(!body.contains("error_description"));
    a = token_error(oauth_error::invalid_request, "a \"b\"", false, "r");
    body = json::parse(a.body);
    ck_assert_std_eq(body.value("error_description", ""), "a \"b\"");
    /* the Basic challenge only with invalid_client and Basic */
    ck_assert(!header(token_error(oauth_error::invalid_grant, "", true, "r"),
                      "WWW-Authenticate"));
    ck_assert_std_eq(header(token_error(oauth_error::invalid_client, "", true,
                                        "r"),
                            "WWW-Authenticate")
                         .value_or(""),
                     "Basic realm=\"r\"");
}
END_TEST

/* ---- grant_type=refresh_token (RFC 6749 §6) ------------------------- */

START_TEST(refresh_ready)
{
    oauth_config config = make_config();
    config.access_token_ttl = 600;
    config.refresh_token_ttl = 7200;
    config.refresh_grace = 30;
    token_step p = plan(post_form("grant_type=refresh_token&refresh_token=rt-1"
                                  "&scope=devices" + body_auth),
                        config, 1234);
    ck_assert(p.what == token_step::next::refresh);
    ck_assert(!ready(p));
    const refresh_request &r = p.refresh;
    ck_assert_std_eq(r.refresh_token, "rt-1");
    ck_assert_std_eq(r.client_id, "seam");
    ck_assert(r.scope.has_value());
    ck_assert_std_eq(r.scope.value_or(""), "devices");
    ck_assert(r.now == 1234);
    ck_assert(r.access_token_ttl == 600);
    ck_assert(r.refresh_token_ttl == 7200);
    ck_assert(r.grace == 30);
    ck_assert(!r.rotate);                       /* refresh=reuse */
    ck_assert_std_eq(r.key, std::string(32, 'r'));
    ck_assert_std_eq(p.redeem.code, "");

    /* no scope: absent, not empty; a client with refresh=rotate, by
     * Basic */
    p = plan(post_form("grant_type=refresh_token&refresh_token=rt-2",
                       basic("rotor", "rotor-secret")),
             config, 5);
    ck_assert(p.what == token_step::next::refresh);
    ck_assert(!p.refresh.scope);
    ck_assert(p.refresh.rotate);
    ck_assert_std_eq(p.refresh.client_id, "rotor");
    ck_assert_std_eq(p.refresh.refresh_token, "rt-2");
    ck_assert(p.refresh.now == 5);

    /* a JSON body */
    token_request j = post_form(
        "{\"grant_type\":\"refresh_token\",\"refresh_token\":\"rt-3\","
        "\"client_id\":\"seam\",\"client_secret\":\"s3cret-value\"}");
    j.content_type = "application/json";
    p = plan(j, config, 1);
    ck_assert(p.what == token_step::next::refresh);
    ck_assert_std_eq(p.refresh.refresh_token, "rt-3");

    /* a code grant plans no refresh */
    p = plan(post_form("grant_type=authorization_code&code=abc" + body_auth),
             config, 1);
    ck_assert(p.what == token_step::next::redeem);
    ck_assert_std_eq(p.refresh.refresh_token, "");
}
END_TEST

START_TEST(refresh_refused)
{
    oauth_config config = make_config();
    /* no refresh_token, or an empty one (RFC 6749 §3.1: omitted) */
    expect_error(plan(post_form("grant_type=refresh_token" + body_auth),
                      config, 1),
                 400, "invalid_request");
    expect_error(plan(post_form("grant_type=refresh_token&refresh_token="
                                + body_auth),
                      config, 1),
                 400, "invalid_request");
    /* a code is no refresh token */
    expect_error(plan(post_form("grant_type=refresh_token&code=abc"
                                + body_auth),
                      config, 1),
                 400, "invalid_request");
    /* twice */
    expect_error(plan(post_form("grant_type=refresh_token&refresh_token=a"
                                "&refresh_token=b" + body_auth),
                      config, 1),
                 400, "invalid_request");
    /* the client authenticates first */
    token_step p = plan(post_form("grant_type=refresh_token&refresh_token=a",
                                  basic("seam", "wrong")),
                        config, 1);
    expect_error(p, 401, "invalid_client");
    ck_assert_std_eq(header(p.answer, "WWW-Authenticate").value_or(""),
                     "Basic realm=\"seam-oauth\"");
    expect_error(plan(post_form("grant_type=refresh_token&refresh_token=a"),
                      config, 1),
                 401, "invalid_client");
    const std::string form = "grant_type=refresh_token&refresh_token=a"
                             + body_auth;
    token_request r = post_form(form);
    r.method = "GET";
    expect_error(plan(r, config, 1), 405, "invalid_request");
}
END_TEST

START_TEST(answer_refresh_token)
{
    oauth_config config = make_config();
    temp_store ts;
    redemption r = seam_tokens(ts.get());
    json body = json::parse(answer_redemption(r, config, "seam", false).body);
    ck_assert_std_eq(body.value("access_token", ""), r.access_token);
    ck_assert_std_eq(body.value("refresh_token", ""), r.refresh_token);
    ck_assert_std_ne(r.refresh_token, r.access_token);
    ck_assert_int_eq(body["expires_in"].get<int>(), 3600);

    /* the answer to a rotation: the new pair */
    refresh_request req;
    req.refresh_token = r.refresh_token;
    req.client_id = "seam";
    req.now = 2000;
    req.rotate = true;
    req.key = std::string(32, 'r');
    redemption next = refresh_grant(ts.get(), req);
    ck_assert(next.error == oauth_error::none);
    http_answer a = answer_redemption(next, config, "seam", true);
    ck_assert_int_eq(a.status, 200);
    body = json::parse(a.body);
    ck_assert_std_eq(body.value("access_token", ""), next.access_token);
    ck_assert_std_eq(body.value("refresh_token", ""), next.refresh_token);
    ck_assert_std_ne(next.refresh_token, r.refresh_token);
    ck_assert_std_eq(body.value("scope", ""), "devices");
    ck_assert_std_eq(body.value("user_id", ""), "u_42");

    /* a reused refresh token: invalid_grant */
    req.now = 3000;
    a = answer_redemption(refresh_grant(ts.get(), req), config, "seam",
                          true);
    expect_error(a, 400, "invalid_grant");
}
END_TEST

/* ---- client authentication, shared by the three endpoints ------------ */

START_TEST(authenticate_shared)
{
    oauth_config config = make_config();
    const std::string form = "token=t" + body_auth;
    authenticated a = authenticate_client(post_form(form), config,
                                          "the revocation endpoint");
    ck_assert(!a.error);
    ck_assert_ptr_eq(a.client, config.find("seam"));
    ck_assert(!a.basic);
    ck_assert_std_eq(a.p.value("token"), "t");

    std::string b = basic("rs", "rs-secret");
    a = authenticate_client(post_form("token=t", b), config, "x");
    ck_assert(!a.error);
    ck_assert_ptr_eq(a.client, config.find("rs"));
    ck_assert(a.basic);

    /* the endpoint is named in the 405 */
    token_request get = post_form(form);
    get.method = "GET";
    a = authenticate_client(get, config, "the revocation endpoint");
    ck_assert(a.error.has_value());
    ck_assert_ptr_null(a.client);
    expect_error(*a.error, 405, "invalid_request");
    ck_assert_std_eq(header(*a.error, "Allow").value_or(""), "POST");
    ck_assert_contains(json::parse(a.error->body).value("error_description",
                                                        ""),
                       "the revocation endpoint");

    /* failures: no client */
    a = authenticate_client(post_form("token=t", basic("rs", "x")), config,
                            "x");
    ck_assert_ptr_null(a.client);
    ck_assert(a.error.has_value());
    expect_error(*a.error, 401, "invalid_client");
    ck_assert(header(*a.error, "WWW-Authenticate").has_value());
    a = authenticate_client(post_form("token=t&client_secret=rs-secret", b),
                            config, "x");
    ck_assert_ptr_null(a.client);
    expect_error(*a.error, 400, "invalid_request");
}
END_TEST

/* ---- revocation (RFC 7009) ------------------------------------------- */

START_TEST(revocation_ready)
{
    oauth_config config = make_config();
    const std::string form = "token=tok-1" + body_auth;
    revocation_plan p = plan_revocation(post_form(form), config);
    ck_assert(p.ready);
    ck_assert_std_eq(p.token, "tok-1");
    ck_assert_std_eq(p.client_id, "seam");
    /* §2.2: 200, whatever the token was */
    ck_assert_int_eq(p.answer.status, 200);
    ck_assert_std_eq(p.answer.body, "");
    ck_assert_std_eq(header(p.answer, "Cache-Control").value_or(""),
                     "no-store");

    /* by Basic; token_type_hint is only a hint */
    p = plan_revocation(post_form("token=tok-2&token_type_hint=refresh_token",
                                  basic("other%3Aid", "x")),
                        config);
    ck_assert(p.ready);
    ck_assert_std_eq(p.token, "tok-2");
    ck_assert_std_eq(p.client_id, "other:id");
}
END_TEST

START_TEST(revocation_refused)
{
    oauth_config config = make_config();
    /* no token, or an empty one */
    expect_error(plan_revocation(post_form(body_auth.substr(1)), config), 400,
                 "invalid_request");
    expect_error(plan_revocation(post_form("token=" + body_auth), config),
                 400, "invalid_request");
    expect_error(plan_revocation(post_form("token=a&token=b" + body_auth),
                                 config),
                 400, "invalid_request");
    /* GET: 405 */
    const std::string form = "token=tok" + body_auth;
    token_request r = post_form(form);
    r.method = "GET";
    revocation_plan p = plan_revocation(r, config);
    expect_error(p, 405, "invalid_request");
    ck_assert_std_eq(header(p.answer, "Allow").value_or(""), "POST");
    /* client authentication */
    p = plan_revocation(post_form("token=tok", basic("seam", "wrong")),
                        config);
    expect_error(p, 401, "invalid_client");
    ck_assert_std_eq(header(p.answer, "WWW-Authenticate").value_or(""),
                     "Basic realm=\"seam-oauth\"");
    ck_assert_std_eq(p.client_id, "");
    expect_error(plan_revocation(post_form("token=tok&client_id=seam"),
                                 config),
                 401, "invalid_client");
}
END_TEST

/* ---- introspection (RFC 7662) ---------------------------------------- */

START_TEST(introspect_own)
{
    oauth_config config = make_config();
    temp_store ts;
    store &s = ts.get();
    redemption r = seam_tokens(s);

    const std::string form = "token=" + r.access_token + body_auth;
    http_answer a = introspect(post_form(form), config, s, 1002);
    json body = introspection(a);
    ck_assert(body["active"] == true);
    ck_assert_std_eq(body.value("client_id", ""), "seam");
    ck_assert_std_eq(body.value("sub", ""), "u_42");
    ck_assert_std_eq(body.value("user_id", ""), "u_42");
    ck_assert(body["exp"].is_number_unsigned());
    ck_assert(body["exp"].get<uint64_t>() == 1001 + 3600);
    ck_assert_std_eq(body.value("token_type", ""), "Bearer");
    ck_assert_std_eq(body.value("scope", ""), "devices");
    ck_assert_uint_eq(body.size(), 7);

    /* the refresh token, whatever the hint says */
    const std::string rform = "token=" + r.refresh_token
                              + "&token_type_hint=access_token" + body_auth;
    body = introspection(introspect(post_form(rform), config, s, 1002));
    ck_assert(body["active"] == true);
    ck_assert_std_eq(body.value("token_type", ""), "refresh_token");
    ck_assert_std_eq(body.value("client_id", ""), "seam");
    ck_assert_std_eq(body.value("sub", ""), "u_42");
    ck_assert(body["exp"].get<uint64_t>() == 1001 + 86400);
    ck_assert_std_eq(body.value("scope", ""), "devices");

    /* expired: inactive, nothing else */
    expect_inactive(introspect(post_form(form), config, s, 1001 + 3600));
    /* unknown */
    const std::string unknown = "token=nope" + body_auth;
    expect_inactive(introspect(post_form(unknown), config, s, 1002));

    /* no scope: no scope member */
    redemption bare = seam_tokens(s, "");
    const std::string bform = "token=" + bare.access_token + body_auth;
    body = introspection(introspect(post_form(bform), config, s, 1002));
    ck_assert(body["active"] == true);
    ck_assert(!body.contains("scope"));
}
END_TEST

START_TEST(introspect_client_isolation)
{
    oauth_config config = make_config();
    temp_store ts;
    store &s = ts.get();
    redemption r = seam_tokens(s);
    const std::string unknown = "token=nope" + body_auth;
    std::string inactive = introspect(post_form(unknown), config, s,
                                      1002).body;

    /* another client learns nothing, not even that the token exists: the
     * very answer of an unknown token */
    for (const std::string *token : {&r.access_token, &r.refresh_token}) {
        const std::string form = "token=" + *token;
        http_answer a = introspect(post_form(form, basic("other%3Aid", "x")),
                                   config, s, 1002);
        expect_inactive(a);
        ck_assert_std_eq(a.body, inactive);
        a = introspect(post_form(form, basic("rotor", "rotor-secret")),
                       config, s, 1002);
        expect_inactive(a);
        ck_assert_std_eq(a.body, inactive);

        /* a client with the introspect option sees every token */
        json body = introspection(
            introspect(post_form(form, basic("rs", "rs-secret")), config, s,
                       1002));
        ck_assert(body["active"] == true);
        ck_assert_std_eq(body.value("client_id", ""), "seam");
        ck_assert_std_eq(body.value("sub", ""), "u_42");
        ck_assert_std_eq(body.value("scope", ""), "devices");
    }
    /* but not the dead ones */
    const std::string form = "token=" + r.access_token;
    expect_inactive(introspect(post_form(form, basic("rs", "rs-secret")),
                               config, s, 1001 + 3600));
    expect_inactive(introspect(post_form("token=nope",
                                         basic("rs", "rs-secret")),
                               config, s, 1002));
}
END_TEST

START_TEST(introspect_refused)
{
    oauth_config config = make_config();
    temp_store ts;
    store &s = ts.get();
    redemption r = seam_tokens(s);
    expect_error(introspect(post_form(body_auth.substr(1)), config, s, 1002),
                 400, "invalid_request");
    const std::string form = "token=" + r.access_token + body_auth;
    token_request get = post_form(form);
    get.method = "GET";
    http_answer a = introspect(get, config, s, 1002);
    expect_error(a, 405, "invalid_request");
    ck_assert_std_eq(header(a, "Allow").value_or(""), "POST");
    /* without client authentication nothing is said about the token */
    const std::string anon = "token=" + r.access_token;
    a = introspect(post_form(anon), config, s, 1002);
    expect_error(a, 401, "invalid_client");
    ck_assert_not_contains(a.body, "u_42");
    a = introspect(post_form(anon, basic("rs", "wrong")), config, s, 1002);
    expect_error(a, 401, "invalid_client");
    ck_assert_not_contains(a.body, "u_42");
}
END_TEST

/* Failed client authentications, per client id and address (RFC 6819
 * §4.4.3.6; security.md row 26): each is counted (a durable write, so a
 * step of its own), and once locked a client gets 429 before its secret
 * is looked at. */
START_TEST(client_throttle)
{
    oauth_config config = make_config();
    config.throttle_client = 2;
    temp_store ts;
    const std::string key(32, 'r');
    auto step = [&](std::string_view body, std::string_view ip,
                    uint64_t now) {
        return plan_token_request(post_form(body), config, ts.get(), now,
                                  key, ip);
    };
    uint64_t now = static_cast<uint64_t>(time(nullptr));

    token_step p = step("code=abc&client_id=seam&client_secret=wrong",
                        "192.0.2.1", now);
    ck_assert(p.what == token_step::next::count_failure);
    expect_error(p.answer, 401, "invalid_client");
    ck_assert_std_eq(p.throttle_key,
                     throttle_key("client", std::string("seam") + '\0'
                                            + "192.0.2.1"));
    ck_assert_std_eq(p.answer.log.at(0).text, "client authentication failed");

    /* nothing to count without a client id; a good secret counts nothing */
    p = step("code=abc", "192.0.2.1", now);
    ck_assert(p.what == token_step::next::answer);
    ck_assert_std_eq(p.throttle_key, "");
    p = step(std::string("code=abc&client_id=seam&client_secret=") + secret,
             "192.0.2.1", now);
    ck_assert(p.what == token_step::next::redeem);
    ck_assert_std_eq(p.throttle_key, "");

    /* two failures lock this client at this address */
    for (int i = 0; i < 2; i++) {
        count_client_failure(ts.get(), config, throttle_key("client",
                             std::string("seam") + '\0' + "192.0.2.1"),
                             now, http_answer());
    }
    p = step(std::string("code=abc&client_id=seam&client_secret=") + secret,
             "192.0.2.1", now);
    ck_assert(p.what == token_step::next::answer);
    expect_error(p.answer, 429, "invalid_client");
    ck_assert_uint_gt(std::stoul(header(p.answer, "Retry-After").value_or(
                          "0")), 0);
    /* another address, or another client, is not locked */
    ck_assert(step(std::string("code=abc&client_id=seam&client_secret=")
                   + secret, "192.0.2.2", now).what
              == token_step::next::redeem);
    ck_assert(step("code=abc&client_id=other%3Aid&client_secret=x",
                   "192.0.2.1", now).what == token_step::next::redeem);
}
END_TEST

/* A replay is logged for the operator, naming the client (RFC 6749
 * §4.1.2); a full store, with what to do about it. */
START_TEST(answer_notes)
{
    oauth_config config = make_config();
    redemption r;
    r.error = oauth_error::invalid_grant;
    r.description = "authorization code already used";
    r.replay = true;
    r.revoked_grant = std::string("\x01\x02\xab", 3);
    http_answer a = answer_redemption(r, config, "seam", false);
    ck_assert_uint_eq(a.log.size(), 1);
    ck_assert(a.log[0].at == log_note::level::warn);
    ck_assert_std_eq(a.log[0].text,
                     "a used authorization code came again from client "
                     "\"seam\": grant 0102ab and all its tokens are revoked");
    ck_assert_uint_eq(a.events.size(), 1);
    ck_assert(a.events[0].kind == event_kind::code_replay);
    ck_assert_std_eq(a.events[0].grant_id, "0102ab");
    a = answer_redemption(r, config, "seam", true);
    ck_assert_std_eq(a.log[0].text,
                     "a replaced refresh token came again from client "
                     "\"seam\": grant 0102ab and all its tokens are revoked");
    ck_assert(a.events[0].kind == event_kind::refresh_replay);
    r.replay = false;
    ck_assert_uint_eq(answer_redemption(r, config, "seam", false).log.size(),
                      0);
    temp_store ts;
    a = answer_redemption(store_full_redemption(ts.get()), config, "seam",
                          false);
    expect_error(a, 503, "temporarily_unavailable");
    ck_assert(a.log.at(0).at == log_note::level::error);
    ck_assert_contains(a.log[0].text, "raise map_size");
}
END_TEST

Suite *
token_endpoint_suite()
{
    Suite *s = suite_create("token_endpoint");
    TCase *tc = tcase_create("plan");
    tcase_add_test(tc, form_ready);
    tcase_add_test(tc, get_refused);
    tcase_add_test(tc, json_body);
    tcase_add_test(tc, json_refused);
    tcase_add_test(tc, json_params_direct);
    tcase_add_test(tc, grant_types);
    tcase_add_test(tc, duplicate_params);
    tcase_add_test(tc, refresh_ready);
    tcase_add_test(tc, refresh_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("client_auth");
    tcase_add_test(tc, basic_auth);
    tcase_add_test(tc, basic_and_body_secret);
    tcase_add_test(tc, basic_wrong_secret);
    tcase_add_test(tc, basic_malformed);
    tcase_add_test(tc, body_auth_failures);
    tcase_add_test(tc, authenticate_shared);
    tcase_add_test(tc, client_throttle);
    suite_add_tcase(s, tc);

    tc = tcase_create("answer");
    tcase_add_test(tc, answer_success);
    tcase_add_test(tc, answer_errors);
    tcase_add_test(tc, answer_refresh_token);
    tcase_add_test(tc, answer_notes);
    suite_add_tcase(s, tc);

    tc = tcase_create("revoke");
    tcase_add_test(tc, revocation_ready);
    tcase_add_test(tc, revocation_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("introspect");
    tcase_add_test(tc, introspect_own);
    tcase_add_test(tc, introspect_client_isolation);
    tcase_add_test(tc, introspect_refused);
    suite_add_tcase(s, tc);
    return s;
}
