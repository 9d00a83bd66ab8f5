#include "authorize_endpoint.h"
#include "form.h"
#include "login_check.h"
#include "secrets.h"
#include "sessions.h"
#include "users.h"

namespace seam {

static form_context
form_of(const authorize_env &env)
{
    form_context f;
    f.config = env.config;
    f.pages = env.pages;
    f.server_key = env.server_key;
    f.nonce = cookie_value(env.csrf_nonce, csrf_nonce_chars);
    f.now = env.now;
    f.action = env.action;
    f.cookies = env.cookies;
    f.any_identifier = env.login_check;
    return f;
}

static authorize_step
answer(http_answer a)
{
    authorize_step step;
    step.answer = std::move(a);
    return step;
}

static authorize_step
issue_code_step(const authorization_request &req,
                const std::pair<session_record, uint64_t> &session)
{
    authorize_step step;
    step.what = authorize_step::next::issue_code;
    step.request = req;
    step.user_id = session.first.user_id;
    step.authorized_ms = session.second;
    return step;
}

static http_answer
redirect_error(const authorization_request &req, oauth_error error,
               std::string_view why)
{
    return redirect_to(redirect_with_error(req, error, why));
}

/* The live session behind the cookie, and when it was made. */
static std::optional<std::pair<session_record, uint64_t>>
session_of(const authorize_env &env)
{
    std::string_view cookie = cookie_value(env.session, secret_chars);
    if (cookie.empty()) {
        return std::nullopt;
    }
    auto found = find_session(*env.s, cookie, env.now);
    if (!found) {
        return std::nullopt;
    }
    return std::make_pair(std::move(*found), session_issued_ms(cookie));
}

/* The parsed parameters' verdict, when it is not a page of ours. */
static http_answer
refused(const authorize_env &env, authorization_check &check)
{
    if (check.result == authorization_check::outcome::show_error) {
        return error_page(*env.pages, 400, check.message);
    }
    check.request.issuer = env.issuer;
    return redirect_error(check.request, check.error, check.description);
}

authorize_step
authorize_get(std::string_view query, const authorize_env &env)
{
    form_result q = parse_form(query);
    if (q.status != form_status::ok) {
        /* RFC 6749 §3.1: a parameter twice is refused; with the
         * redirect_uri in doubt, only our own page is safe */
        return answer(error_page(*env.pages, 400,
                                 message::malformed(describe(q))));
    }
    authorization_check check = check_authorization(q.values, *env.config);
    if (check.result != authorization_check::outcome::ok) {
        return answer(refused(env, check));
    }
    authorization_request &req = check.request;
    req.issuer = env.issuer;

    /* a recent sign-in skips the password, unless prompt=login */
    std::optional<std::pair<session_record, uint64_t>> session;
    if (!req.prompt_login) {
        session = session_of(env);
    }
    if (!session) {
        if (req.prompt_none) {
            return answer(redirect_error(req, oauth_error::login_required,
                                         "the owner is not signed in"));
        }
        return answer(login_page(form_of(env), req, "", ""));
    }
    if (needs_consent(req)) {
        if (req.prompt_none) {
            return answer(redirect_error(
                req, oauth_error::consent_required,
                "the owner must approve this request"));
        }
        return answer(consent_page(form_of(env), req, session->first.email));
    }
    if (env.head) {
        /* a HEAD (a link checker, a prefetch) never issues a code */
        http_answer a;
        a.content_type = "text/html; charset=utf-8";
        add_page_headers(a);
        return answer(std::move(a));
    }
    return issue_code_step(req, *session);
}

authorize_step
authorize_post(std::string_view body, const form_source &source,
               std::string_view ip, const authorize_env &env)
{
    form_result f = parse_form(body);
    if (f.status != form_status::ok) {
        return answer(error_page(*env.pages, 400,
                                 message::malformed(describe(f))));
    }
    authorization_check check = check_authorization(f.values, *env.config);
    if (check.result == authorization_check::outcome::show_error) {
        return answer(refused(env, check));
    }
    authorization_request &req = check.request;
    req.issuer = env.issuer;

    /* CSRF before any credential is looked at (RFC 6749 §10.12): a form
     * of ours posts back the request it was made for, as it was */
    bool forged = judge_form_source(source) == source_verdict::cross_site
                  || check.result != authorization_check::outcome::ok
                  || !csrf_valid(env.server_key,
                                 cookie_value(env.csrf_nonce,
                                              csrf_nonce_chars),
                                 f.values.value("csrf_token"), env.now,
                                 env.config->login_form_ttl, req);
    if (forged) {
        return answer(error_page(*env.pages, 403, message::forged));
    }

    /* the consent page's answer */
    if (const std::string *decision = f.values.get("decision")) {
        auto session = session_of(env);
        if (!session) {
            return answer(login_page(form_of(env), req, "",
                                     message::session_expired));
        }
        event consent{event_kind::consent_denied, req.client->id,
                      session->first.user_id, "", req.scope};
        if (*decision == "deny") {
            http_answer a = redirect_error(req, oauth_error::access_denied,
                                           "the owner denied the request");
            record(a, std::move(consent));
            return answer(std::move(a));
        }
        if (*decision == "approve") {
            authorize_step step = issue_code_step(req, *session);
            consent.kind = event_kind::consent_approved;
            record(step.answer, std::move(consent));
            return step;
        }
        return answer(error_page(*env.pages, 400,
                                 message::unknown_decision));
    }

    std::string email(f.values.value("email"));
    std::string password(f.values.value("password"));
    bool named = env.login_check ? valid_identifier(email)
                                 : valid_email(email);
    if (!named || password.empty() || password.size() > 1024) {
        return answer(login_page(form_of(env), req, email,
                                 message::wrong_credentials));
    }
    authorize_step step;
    step.what = authorize_step::next::sign_in;
    step.request = req;
    step.sign_in.authz = req;
    step.sign_in.email = std::move(email);
    step.sign_in.password = std::move(password);
    step.sign_in.ip = std::string(ip);
    step.sign_in.now = env.now;
    return step;
}

static http_answer
unavailable(const authorize_env &env, std::string why, bool limited)
{
    http_answer a = error_page(*env.pages, 503, message::unavailable);
    note(a, log_note::level::error, std::move(why), limited);
    return a;
}

/* the sign-in is remembered briefly: SameSite=Lax, as the next
 * authorization arrives by a top-level navigation from the client */
static std::string
session_cookie_of(const authorize_env &env, std::string_view session)
{
    if (session.empty()) {
        return "";
    }
    return set_cookie(session_cookie, session, env.config->session_ttl,
                      same_site::lax, env.cookies);
}

http_answer
answer_code(const authorize_env &env, const authorization_request &req,
            const issued_code &code, std::string_view session)
{
    switch (code.result) {
    case issued_code::outcome::unavailable:
        return unavailable(env, code.why, true);
    case issued_code::outcome::revoked:
        /* the owner was removed or disconnected since it signed in */
        return login_page(form_of(env), req, "", message::session_expired);
    case issued_code::outcome::issued:
        break;
    }
    http_answer a = redirect_to(redirect_with_code(req, code.code),
                                session_cookie_of(env, session));
    record(a, {event_kind::code_issued, req.client->id, code.user_id, "",
               req.scope});
    return a;
}

http_answer
answer_sign_in(const authorize_env &env, const authorization_request &req,
               const sign_in_result &result, std::string_view typed)
{
    using outcome = sign_in_result::outcome;
    /* who signed in; nothing of a failed attempt's typed name, which may
     * be a password typed into the wrong field */
    event what{event_kind::sign_in_ok, req.client->id, result.user_id, "",
               req.scope};
    http_answer a;
    switch (result.result) {
    case outcome::unavailable:
        a = unavailable(env, result.why, result.store_full);
        what.kind = event_kind::sign_in_unavailable;
        break;
    case outcome::locked:
        a = login_page(form_of(env), req, "", "", result.retry_after);
        note(a, log_note::level::warn,
             "sign-in throttled for " + std::to_string(result.retry_after)
             + " s after repeated failures");
        what.kind = event_kind::sign_in_locked;
        break;
    case outcome::wrong_credentials:
        a = login_page(form_of(env), req, typed, message::wrong_credentials);
        note(a, log_note::level::info,
             "failed sign-in for client \"" + req.client->id + "\"");
        what.kind = event_kind::sign_in_failed;
        break;
    case outcome::signed_in:
        if (!result.code) {
            a = consent_page(form_of(env), req, result.email,
                             session_cookie_of(env, result.session));
        } else {
            a = redirect_to(redirect_with_code(req, *result.code),
                            session_cookie_of(env, result.session));
        }
        break;
    }
    bool issued = what.kind == event_kind::sign_in_ok && result.code;
    event code{event_kind::code_issued, what.client_id, what.user_id, "",
               what.scope};
    record(a, std::move(what));
    if (issued) {
        record(a, std::move(code));
    }
    return a;
}

}  // namespace seam
