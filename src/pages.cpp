#include "pages.h"
#include "crypto.h"
#include "csrf.h"

#include <map>

namespace seam {

std::string
message::throttled(uint64_t retry_after)
{
    return "Too many failed sign-ins. Try again in "
           + std::to_string(retry_after) + " seconds.";
}

std::string
message::malformed(std::string_view why)
{
    return "The request is malformed: " + std::string(why) + ".";
}

void
add_page_headers(http_answer &a, referrer_policy policy)
{
    a.headers.emplace_back("X-Frame-Options", "DENY");
    a.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; style-src 'unsafe-inline'; "
                           "frame-ancestors 'none'; base-uri 'none'");
    a.headers.emplace_back("Referrer-Policy",
                           policy == referrer_policy::same_origin
                           ? "same-origin" : "no-referrer");
    a.headers.emplace_back("Cache-Control", "no-store");
    a.headers.emplace_back("X-Content-Type-Options", "nosniff");
}

static http_answer
html(int status)
{
    http_answer a;
    a.status = status;
    a.content_type = "text/html; charset=utf-8";
    return a;
}

http_answer
error_page(const page_set &pages, int status, std::string_view message)
{
    http_answer a = html(status);
    a.body = pages.error.render({
        {"title", status == 403 ? "Request refused" : "Cannot continue"},
        {"message", std::string(message)},
    });
    add_page_headers(a);
    return a;
}

http_answer
redirect_to(std::string location, std::string cookie)
{
    http_answer a = html(303);
    a.headers.emplace_back("Location", std::move(location));
    if (!cookie.empty()) {
        a.headers.emplace_back("Set-Cookie", std::move(cookie));
    }
    add_page_headers(a, referrer_policy::no_referrer);
    return a;
}

std::vector<std::pair<std::string, std::string>>
form_fields(const authorization_request &req)
{
    return {
        {"client_id", req.client->id},
        {"redirect_uri", req.redirect_uri},
        {"state", req.state},
        {"scope", req.scope},
        {"code_challenge", req.code_challenge},
        {"code_challenge_method", req.code_challenge.empty() ? "" : "S256"},
        {"response_type", "code"},
        {"prompt", req.prompt_login ? "login"
                   : req.prompt_consent ? "consent" : ""},
    };
}

const std::vector<std::string> &
form_field_names()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        client_config any;
        authorization_request r;
        r.client = &any;
        for (const auto &field : form_fields(r)) {
            out.push_back(field.first);
        }
        return out;
    }();
    return names;
}

static std::vector<std::string>
with_form_fields(std::initializer_list<const char *> extra)
{
    std::vector<std::string> out = form_field_names();
    out.insert(out.end(), {"action", "client_name", "csrf_token", "scopes"});
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
}

const std::vector<std::string> &
login_page_fields()
{
    static const std::vector<std::string> f = with_form_fields(
        {"email", "error", "identifier_label", "identifier_type"});
    return f;
}

const std::vector<std::string> &
consent_page_fields()
{
    static const std::vector<std::string> f = with_form_fields({"email"});
    return f;
}

const std::vector<std::string> &
error_page_fields()
{
    static const std::vector<std::string> f{"title", "message"};
    return f;
}

/*
 * A login or consent page: the request's hidden fields and the CSRF token,
 * bound to a nonce in an HttpOnly, SameSite=Strict cookie (RFC 6749
 * §10.12). A nonce the browser already has is kept, so that two tabs do
 * not invalidate each other.
 */
static http_answer
form_page(const form_context &ctx, const page_template &page,
          const authorization_request &req,
          std::map<std::string, std::string> values)
{
    std::string nonce(ctx.nonce);
    if (nonce.empty()) {
        nonce = base64url_encode(random_bytes(16));
    }
    for (auto &field : form_fields(req)) {
        values.insert(std::move(field));
    }
    values.insert({
        {"action", std::string(ctx.action)},
        {"client_name", req.client->name},
        {"scopes", describe_scopes(*ctx.config, req.scope)},
        {"csrf_token", csrf_token(ctx.server_key, nonce, ctx.now, req)},
    });
    http_answer a = html(200);
    a.body = page.render(values);
    add_page_headers(a);
    a.headers.emplace_back("Set-Cookie",
                           set_cookie(csrf_cookie, nonce,
                                      ctx.config->login_form_ttl,
                                      same_site::strict, ctx.cookies));
    return a;
}

http_answer
login_page(const form_context &ctx, const authorization_request &req,
           std::string_view email, std::string_view error,
           uint64_t retry_after)
{
    std::string why(error);
    if (retry_after) {
        why = message::throttled(retry_after);
    }
    http_answer a = form_page(
        ctx, ctx.pages->login, req,
        {{"email", std::string(email)},
         {"error", why},
         {"identifier_label",
          ctx.any_identifier ? "E-mail or user name" : "E-mail"},
         {"identifier_type", ctx.any_identifier ? "text" : "email"}});
    if (retry_after) {
        a.status = 429;
        a.headers.emplace_back("Retry-After", std::to_string(retry_after));
    }
    return a;
}

http_answer
consent_page(const form_context &ctx, const authorization_request &req,
             std::string_view email, std::string cookie)
{
    http_answer a = form_page(ctx, ctx.pages->consent, req,
                              {{"email", std::string(email)}});
    if (!cookie.empty()) {
        a.headers.emplace_back("Set-Cookie", std::move(cookie));
    }
    return a;
}

}  // namespace seam
