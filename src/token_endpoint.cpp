#include "token_endpoint.h"
#include "ascii.h"
#include "revocation.h"
#include "throttle.h"
#include "crypto.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace seam {

using json = nlohmann::json;

static void
no_store(http_answer &a)
{
    /* RFC 6749 §5.1, and for errors too */
    a.headers.emplace_back("Cache-Control", "no-store");
    a.headers.emplace_back("Pragma", "no-cache");
}

http_answer
token_error(oauth_error error, std::string_view description, bool basic,
            std::string_view realm)
{
    http_answer a;
    a.status = http_status(error);
    json body = {{"error", wire_name(error)}};
    if (!description.empty()) {
        body["error_description"] = description;
    }
    a.body = body.dump();
    no_store(a);
    if (error == oauth_error::invalid_client && basic) {
        a.headers.emplace_back("WWW-Authenticate",
                               "Basic realm=\"" + std::string(realm) + "\"");
    }
    return a;
}

std::optional<params>
parse_json_params(std::string_view body)
{
    /* nlohmann keeps the last of duplicate names silently; RFC 6749 §3.1
     * wants a parameter given twice refused, so the parser's callback
     * watches the top-level names */
    std::vector<std::string> names;
    bool duplicate = false;
    json::parser_callback_t watch = [&](int depth, json::parse_event_t event,
                                        json &parsed) {
        if (event == json::parse_event_t::key && depth == 1) {
            std::string name = parsed.get<std::string>();
            if (std::find(names.begin(), names.end(), name) != names.end()) {
                duplicate = true;
            }
            names.push_back(std::move(name));
        }
        return true;
    };
    json doc = json::parse(body.begin(), body.end(), watch, false);
    if (duplicate || doc.is_discarded() || !doc.is_object()
        || doc.size() > 64)
    {
        return std::nullopt;
    }
    params out;
    for (auto it = doc.begin(); it != doc.end(); ++it) {
        if (!it.value().is_string()) {
            return std::nullopt;
        }
        std::string value = it.value().get<std::string>();
        if (value.find('\0') != std::string::npos
            || it.key().find('\0') != std::string::npos
            || value.size() > 4096)
        {
            return std::nullopt;
        }
        if (!value.empty()) {   /* RFC 6749 §3.1, as for forms */
            out.add(it.key(), std::move(value));
        }
    }
    return out;
}

/* The media type without parameters, lower-cased. */
static std::string
media_type(std::string_view content_type)
{
    std::string t(content_type.substr(0, content_type.find(';')));
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) {
        t.pop_back();
    }
    return ascii_lower(t);
}

authenticated
authenticate_client(const token_request &req, const oauth_config &config,
                    std::string_view endpoint)
{
    authenticated a;
    a.basic = req.authorization.has_value();
    auto fail = [&](oauth_error e, std::string_view why) {
        a.error = token_error(e, why, a.basic, config.realm);
        return std::move(a);
    };

    if (req.method != "POST") {
        a.error = token_error(oauth_error::invalid_request,
                              std::string(endpoint) + " accepts POST only",
                              false, config.realm);
        a.error->status = 405;
        a.error->headers.emplace_back("Allow", "POST");
        return a;
    }

    std::string type = media_type(req.content_type);
    if (type == "application/json") {
        auto parsed = parse_json_params(req.body);
        if (!parsed) {
            return fail(oauth_error::invalid_request,
                        "a JSON body must be one object of strings, "
                        "each name once");
        }
        a.p = std::move(*parsed);
    } else if (type == "application/x-www-form-urlencoded" || type.empty()) {
        form_result f = parse_form(req.body);
        if (f.status != form_status::ok) {
            return fail(oauth_error::invalid_request, describe(f));
        }
        a.p = std::move(f.values);
    } else {
        return fail(oauth_error::invalid_request,
                    "unsupported Content-Type");
    }

    /* HTTP Basic or the body, never both (RFC 6749 §2.3) */
    std::string client_id, secret;
    if (a.basic) {
        if (a.p.has("client_secret")) {
            return fail(oauth_error::invalid_request,
                        "more than one client authentication method");
        }
        std::string_view h = *req.authorization;
        if (!ascii_starts_with_ci(h, "basic ")) {
            return fail(oauth_error::invalid_client,
                        "client authentication must use Basic");
        }
        auto decoded = base64_decode(h.substr(6));
        size_t colon = decoded ? decoded->find(':') : std::string::npos;
        /* RFC 6749 §2.3.1: id and secret are form-encoded before Basic */
        if (colon == std::string::npos
            || !form_decode(std::string_view(*decoded).substr(0, colon),
                            client_id)
            || !form_decode(std::string_view(*decoded).substr(colon + 1),
                            secret))
        {
            return fail(oauth_error::invalid_client,
                        "malformed Basic credentials");
        }
        const std::string *body_id = a.p.get("client_id");
        if (body_id != nullptr && *body_id != client_id) {
            return fail(oauth_error::invalid_request,
                        "client_id differs from the Basic credentials");
        }
    } else {
        client_id = std::string(a.p.value("client_id"));
        secret = std::string(a.p.value("client_secret"));
        if (client_id.empty() || secret.empty()) {
            return fail(oauth_error::invalid_client,
                        "client authentication is missing");
        }
    }
    a.attempted_client = client_id;
    const client_config *client = config.find(client_id);
    if (client == nullptr
        || !constant_time_equal(sha256(secret), client->secret_hash))
    {
        return fail(oauth_error::invalid_client,
                    "client authentication failed");
    }
    a.client = client;
    return a;
}

token_step
plan_token_request(const token_request &req, const oauth_config &config,
                   store &s, uint64_t now, std::string_view server_key,
                   std::string_view ip)
{
    token_step plan;
    authenticated a = authenticate_client(req, config, "the token endpoint");

    /* failed client authentications, per client id and address */
    if (!a.attempted_client.empty()) {
        plan.throttle_key = throttle_key("client", a.attempted_client + '\0'
                                                   + std::string(ip));
        if (uint64_t wait = throttle_wait(s, plan.throttle_key, now)) {
            plan.answer = token_error(oauth_error::invalid_client,
                                      "too many failed client "
                                      "authentications", false,
                                      config.realm);
            plan.answer.status = 429;
            plan.answer.headers.emplace_back("Retry-After",
                                             std::to_string(wait));
            record(plan.answer, {event_kind::redemption_invalid_client,
                                 a.attempted_client, "", "", ""});
            return plan;
        }
    }
    if (a.error) {
        plan.answer = std::move(*a.error);
        if (plan.answer.status == 401) {
            note(plan.answer, log_note::level::info,
                 "client authentication failed");
            record(plan.answer, {event_kind::redemption_invalid_client,
                                 a.attempted_client, "", "", ""});
            if (!plan.throttle_key.empty()) {
                plan.what = token_step::next::count_failure;
            }
        }
        return plan;
    }
    const params &p = a.p;
    auto fail = [&](oauth_error e, std::string_view why) {
        plan.answer = token_error(e, why, a.basic, config.realm);
        return plan;
    };
    plan.throttle_key.clear();

    const std::string *grant_type = p.get("grant_type");
    if (grant_type != nullptr && *grant_type == "refresh_token") {
        const std::string *token = p.get("refresh_token");
        if (token == nullptr) {
            return fail(oauth_error::invalid_request,
                        "refresh_token is missing");
        }
        plan.what = token_step::next::refresh;
        refresh_request &r = plan.refresh;
        r.refresh_token = *token;
        r.client_id = a.client->id;
        if (const std::string *scope = p.get("scope")) {
            r.scope = *scope;
        }
        r.now = now;
        r.access_token_ttl = config.access_token_ttl;
        r.refresh_token_ttl = config.refresh_token_ttl;
        r.rotate = a.client->rotate_refresh_tokens;
        r.grace = config.refresh_grace;
        r.key = std::string(server_key);
        return plan;
    }

    if (grant_type == nullptr) {
        /* Seam's intercom guide sends code, client_id and client_secret */
        if (!p.has("code")) {
            return fail(oauth_error::invalid_request,
                        "grant_type is missing");
        }
    } else if (*grant_type != "authorization_code") {
        return fail(oauth_error::unsupported_grant_type,
                    "grant_type must be authorization_code or "
                    "refresh_token");
    }

    const std::string *code = p.get("code");
    if (code == nullptr) {
        return fail(oauth_error::invalid_request, "code is missing");
    }

    plan.what = token_step::next::redeem;
    redemption_request &r = plan.redeem;
    r.code = *code;
    r.client_id = a.client->id;
    if (const std::string *uri = p.get("redirect_uri")) {
        r.redirect_uri = *uri;
    }
    r.redirect_uri_optional = a.client->intercom_guide;
    if (const std::string *v = p.get("code_verifier")) {
        r.code_verifier = *v;
    }
    r.now = now;
    r.access_token_ttl = config.access_token_ttl;
    r.refresh_token_ttl = config.refresh_token_ttl;
    return plan;
}

http_answer
count_client_failure(store &s, const oauth_config &config,
                     std::string_view key, uint64_t now, http_answer answer)
{
    try {
        throttle_failure(s, key, config.client_throttle(), now);
    } catch (const store_error &e) {
        note(answer, log_note::level::error, s.write_failure(e), true);
    }
    return answer;
}

revocation_plan
plan_revocation(const token_request &req, const oauth_config &config)
{
    revocation_plan plan;
    authenticated a = authenticate_client(req, config,
                                          "the revocation endpoint");
    if (a.error) {
        plan.answer = std::move(*a.error);
        if (plan.answer.status == 401) {
            record(plan.answer, {event_kind::revocation_invalid_client,
                                 a.attempted_client, "", "", ""});
        }
        return plan;
    }
    const std::string *token = a.p.get("token");
    if (token == nullptr) {
        plan.answer = token_error(oauth_error::invalid_request,
                                  "token is missing", a.basic, config.realm);
        return plan;
    }
    plan.ready = true;
    plan.token = *token;
    plan.client_id = a.client->id;
    /* RFC 7009 §2.2: 200 whether or not there was such a token */
    plan.answer.body = "";
    no_store(plan.answer);
    return plan;
}

http_answer
revoke(store &s, const oauth_config &config, const revocation_plan &plan)
{
    revoked_token what;
    bool revoked = false;
    try {
        revoked = revoke_token(s, plan.token, plan.client_id, &what);
    } catch (const store_error &e) {
        http_answer a = token_error(oauth_error::temporarily_unavailable,
                                    "the token store cannot be written",
                                    false, config.realm);
        note(a, log_note::level::error, s.write_failure(e), true);
        return a;
    }
    http_answer a = plan.answer;
    if (revoked) {
        record(a, {event_kind::token_revoked, plan.client_id, what.user_id,
                   what.grant_id, ""});
    }
    return a;
}

http_answer
introspect(const token_request &req, const oauth_config &config, store &s,
           uint64_t now)
{
    authenticated a = authenticate_client(req, config,
                                          "the introspection endpoint");
    if (a.error) {
        if (a.error->status == 401) {
            record(*a.error, {event_kind::introspection_invalid_client,
                              a.attempted_client, "", "", ""});
        }
        return std::move(*a.error);
    }
    const std::string *token = a.p.get("token");
    if (token == nullptr) {
        return token_error(oauth_error::invalid_request, "token is missing",
                           a.basic, config.realm);
    }
    token_info info = introspect_token(s, *token, now);
    /* a client sees its own tokens; a resource server (the introspect
     * option) sees all (RFC 7662 §2.1, §4) */
    if (info.active && !a.client->introspect
        && info.client_id != a.client->id)
    {
        info = token_info{};
    }
    http_answer out;
    json body = {{"active", info.active}};
    if (info.active) {
        body["client_id"] = info.client_id;
        body["sub"] = info.user_id;
        body["user_id"] = info.user_id;
        body["exp"] = info.expires_at;
        body["token_type"] = info.refresh ? "refresh_token" : "Bearer";
        if (!info.scope.empty()) {
            body["scope"] = info.scope;
        }
    }
    out.body = body.dump();
    no_store(out);
    record(out, {info.active ? event_kind::introspection_active
                             : event_kind::introspection_inactive,
                 a.client->id, info.user_id, "", info.scope});
    return out;
}

http_answer
answer_redemption(const redemption &r, const oauth_config &config,
                  std::string_view client_id, bool refresh)
{
    event what{refresh ? event_kind::refresh_ok : event_kind::grant_created,
               std::string(client_id), r.token.user_id,
               hex_encode(r.token.grant_id), r.token.scope};
    if (r.error != oauth_error::none) {
        http_answer a = token_error(r.error, r.description, false,
                                    config.realm);
        if (r.replay) {
            note(a, log_note::level::warn,
                 std::string(refresh ? "a replaced refresh token"
                                     : "a used authorization code")
                 + " came again from client \"" + std::string(client_id)
                 + "\": grant " + hex_encode(r.revoked_grant)
                 + " and all its tokens are revoked");
            what.kind = refresh ? event_kind::refresh_replay
                                : event_kind::code_replay;
            what.grant_id = hex_encode(r.revoked_grant);
        } else if (r.store_full) {
            note(a, log_note::level::error, r.store_message, true);
            what.kind = refresh ? event_kind::refresh_unavailable
                                : event_kind::redemption_unavailable;
        } else {
            what.kind = refresh ? event_kind::refresh_failed
                                : event_kind::redemption_failed;
        }
        record(a, std::move(what));
        return a;
    }
    http_answer a;
    json body = {
        {"access_token", r.access_token},
        {"token_type", "Bearer"},
        {"expires_in", r.expires_in},
        {"user_id", r.token.user_id},
    };
    if (!r.refresh_token.empty()) {
        body["refresh_token"] = r.refresh_token;
    }
    if (!r.token.scope.empty()) {
        body["scope"] = r.token.scope;
    }
    a.body = body.dump();
    no_store(a);
    record(a, std::move(what));
    return a;
}

}  // namespace seam
