/*
 * POST /oauth/token planning with one configured client. The input is
 * split into a selector byte (Content-Type, whether an Authorization
 * header is sent, the method), the Authorization header (up to the first
 * '\n') and the body: HTTP Basic decoding, the form and JSON body parsers
 * and client authentication all see hostile bytes. Whatever the request,
 * work is planned only for a client whose secret was really presented,
 * and every refusal is a well-formed RFC 6749 §5.2 answer.
 */
#include "crypto.h"
#include "form.h"
#include "fuzz_common.h"
#include "token_endpoint.h"

#include <cstdlib>
#include <memory>

#include <unistd.h>

using namespace seam;

namespace {

const char seam_secret[] = "seamsecret";
const char other_secret[] = "o:t%h+er";
const std::string rotation_key(32, 'k');

/* The store the token endpoint reads its throttles from: empty, so no
 * client is ever locked out; made once, removed at exit. */
std::string store_dir;

void
remove_store()
{
    for (const char *file : {"/data.mdb", "/lock.mdb"}) {
        unlink((store_dir + file).c_str());
    }
    rmdir(store_dir.c_str());
}

store &
throttle_store()
{
    static std::unique_ptr<store> s = [] {
        char dir[] = "/tmp/seam-fuzz-store-XXXXXX";
        FUZZ_CHECK(mkdtemp(dir) != nullptr, "mkdtemp");
        store_dir = dir;
        atexit(remove_store);
        store_options o;
        o.path = store_dir;
        return std::make_unique<store>(o);
    }();
    return *s;
}

const oauth_config &
config()
{
    static const oauth_config c = [] {
        oauth_config config;
        client_config seam;
        seam.id = "seam";
        for (const char *option :
             {"secret=seamsecret",
              "redirect=https://*.integrations.getseam.com/",
              "intercom_guide"})
        {
            std::string error = configure_client(seam, option);
            FUZZ_CHECK(error.empty(), error);
        }
        FUZZ_CHECK(finish_client(seam).empty(), finish_client(seam));
        config.clients.push_back(std::move(seam));

        client_config other;
        other.id = "other:id";
        for (const char *option :
             {"secret=o:t%h+er", "redirect=https://o.example/cb",
              "refresh=rotate"})
        {
            std::string error = configure_client(other, option);
            FUZZ_CHECK(error.empty(), error);
        }
        config.clients.push_back(std::move(other));
        return config;
    }();
    return c;
}

const char *const content_types[] = {
    "application/x-www-form-urlencoded",
    "application/json",
    "",
    "application/json; charset=utf-8",
    "Application/X-WWW-Form-Urlencoded ;charset=UTF-8",
    "text/plain",
    "application/json \t",
    "multipart/form-data; boundary=x",
};

bool
is_json(std::string_view type)
{
    return type == "application/json"
           || type == "application/json; charset=utf-8"
           || type == "application/json \t";
}

bool
is_form(std::string_view type)
{
    return type.empty() || type == "application/x-www-form-urlencoded"
           || type == "Application/X-WWW-Form-Urlencoded ;charset=UTF-8";
}

std::string_view
secret_of(std::string_view id)
{
    if (id == "seam") return seam_secret;
    if (id == "other:id") return other_secret;
    return {};
}

const std::string *
header(const http_answer &a, std::string_view name)
{
    for (const auto &h : a.headers) {
        if (h.first == name) {
            return &h.second;
        }
    }
    return nullptr;
}

/* The body's parameters, read on their own. */
std::optional<params>
body_params(const token_request &req)
{
    if (is_json(req.content_type)) {
        return parse_json_params(req.body);
    }
    if (is_form(req.content_type)) {
        form_result f = parse_form(req.body);
        if (f.status == form_status::ok) {
            return f.values;
        }
    }
    return std::nullopt;
}

/* Whether the request carries the right secret for `client_id`, read
 * from the Basic header or the body without the endpoint's code. */
bool
presented_secret(const token_request &req, std::string_view client_id)
{
    std::string_view secret = secret_of(client_id);
    if (secret.empty()) {
        return false;
    }
    if (req.authorization) {
        std::string_view h = *req.authorization;
        if (h.size() < 6) {
            return false;
        }
        std::string scheme(h.substr(0, 6));
        for (char &c : scheme) {
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        auto decoded = base64_decode(h.substr(6));
        if (scheme != "basic " || !decoded) {
            return false;
        }
        size_t colon = decoded->find(':');
        std::string id, pass;
        return colon != std::string::npos
               && form_decode(decoded->substr(0, colon), id)
               && form_decode(decoded->substr(colon + 1), pass)
               && id == client_id && pass == secret;
    }
    auto p = body_params(req);
    return p && p->value("client_id") == client_id
           && p->value("client_secret") == secret;
}

void
check_refusal(const http_answer &a, const token_request &req)
{
    FUZZ_CHECK(a.status == 400 || a.status == 401 || a.status == 405,
               std::to_string(a.status));
    FUZZ_CHECK(fuzz::starts_with(a.body, "{\"error\":\"")
               && fuzz::ends_with(a.body, "}"), a.body);
    for (char c : a.body) {
        FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20
                   && static_cast<unsigned char>(c) < 0x7f, a.body);
    }
    const std::string *cache = header(a, "Cache-Control");
    FUZZ_CHECK(cache && *cache == "no-store", a.body);
    const std::string *challenge = header(a, "WWW-Authenticate");
    if (a.status == 401 && req.authorization) {
        FUZZ_CHECK(challenge
                   && *challenge == "Basic realm=\"" + config().realm + "\"",
                   a.body);
    }
    if (!req.authorization) {
        FUZZ_CHECK(challenge == nullptr, a.body);
    }
}

void
check_json_params(std::string_view body)
{
    auto p = parse_json_params(body);
    if (!p) {
        return;
    }
    /* the same pairs, sent as a form, read the same */
    FUZZ_CHECK(p->size() <= 64, body);
    std::string form;
    for (const auto &pair : p->pairs()) {
        FUZZ_CHECK(!pair.second.empty() && pair.second.size() <= 4096, body);
        FUZZ_CHECK(pair.first.find('\0') == std::string::npos
                   && pair.second.find('\0') == std::string::npos, body);
        if (!form.empty()) {
            form.push_back('&');
        }
        form += percent_encode(pair.first) + "="
                + percent_encode(pair.second);
    }
    bool names_fit = true;
    for (const auto &pair : p->pairs()) {
        names_fit &= pair.first.size() <= 4096;
    }
    if (names_fit) {
        form_result f = parse_form(form);
        FUZZ_CHECK(f.status == form_status::ok, body);
        FUZZ_CHECK(f.values.pairs() == p->pairs(), body);
    }
}

}  // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    unsigned selector = data[0];
    std::string_view rest = fuzz::bytes(data + 1, size - 1);
    size_t nl = rest.find('\n');
    std::string_view auth = rest.substr(0, nl);
    std::string_view body = nl == std::string_view::npos
                            ? std::string_view()
                            : rest.substr(nl + 1);

    token_request req;
    req.method = selector & 0x10 ? "GET" : "POST";
    req.content_type = content_types[selector & 7];
    req.body = (selector & 8) ? body : rest;
    if (selector & 8) {
        req.authorization = auth;
    }

    token_step plan = plan_token_request(req, config(), throttle_store(),
                                         1000, rotation_key, "192.0.2.1");
    switch (plan.what) {
    case token_step::next::answer:
    case token_step::next::count_failure:
        check_refusal(plan.answer, req);
        break;
    case token_step::next::redeem: {
        const redemption_request &r = plan.redeem;
        FUZZ_CHECK(req.method == "POST", req.body);
        FUZZ_CHECK(presented_secret(req, r.client_id), r.client_id);
        FUZZ_CHECK(!r.code.empty(), req.body);
        FUZZ_CHECK(r.now == 1000, req.body);
        FUZZ_CHECK(r.redirect_uri_optional == (r.client_id == "seam"),
                   r.client_id);
        FUZZ_CHECK(!r.redirect_uri || !r.redirect_uri->empty(), req.body);
        break;
    }
    case token_step::next::refresh: {
        const refresh_request &r = plan.refresh;
        FUZZ_CHECK(req.method == "POST", req.body);
        FUZZ_CHECK(presented_secret(req, r.client_id), r.client_id);
        FUZZ_CHECK(!r.refresh_token.empty(), req.body);
        FUZZ_CHECK(r.key == rotation_key, r.key);
        FUZZ_CHECK(r.rotate == (r.client_id == "other:id"), r.client_id);
        break;
    }
    }

    revocation_plan revoke = plan_revocation(req, config());
    if (revoke.ready) {
        FUZZ_CHECK(presented_secret(req, revoke.client_id),
                   revoke.client_id);
        FUZZ_CHECK(!revoke.token.empty(), req.body);
        FUZZ_CHECK(revoke.answer.status == 200, req.body);
    } else {
        check_refusal(revoke.answer, req);
    }

    check_json_params(req.body);
    check_json_params(fuzz::bytes(data, size));
    return 0;
}
