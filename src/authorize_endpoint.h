/*
 * GET and POST /authorize, as use cases: what each request gets (a page,
 * a redirect, or work for the thread pool: a code to issue, a sign-in to
 * check), and the answer once that work is done. The adapter only moves
 * bytes: the query or body, the cookies and headers it read, in; the
 * answer or the work, out.
 */
#pragma once

#include "authorize.h"
#include "csrf.h"
#include "http_answer.h"
#include "pages.h"
#include "sign_in.h"
#include "store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace seam {

/* What the adapter knows of one request to /authorize. */
struct authorize_env {
    const oauth_config *config = nullptr;
    const page_set *pages = nullptr;
    /* sessions are read with the store's reused reader: event loop only */
    store *s = nullptr;
    std::string_view server_key;
    uint64_t now = 0;
    std::string issuer;            /* issuer_of(), for iss (RFC 9207) */
    std::string_view action;       /* the request's path: the form's */
    cookie_attributes cookies;     /* Path (cookie_path()), Secure */
    std::string_view csrf_nonce;   /* the cookies as sent, or "" */
    std::string_view session;
    bool head = false;             /* HEAD: the answer, and no side effect */
    /* seam_oauth_login_check: the device cloud checks the password, and
     * decides what an account's name looks like (valid_identifier()) */
    bool login_check = false;
};

struct authorize_step {
    enum class next {
        answer,        /* send `answer` */
        issue_code,    /* issue_code_for(request, user_id, authorized_ms),
                          then answer_code() */
        sign_in,       /* sign_in(sign_in), answer_sign_in() */
    };
    next what = next::answer;
    http_answer answer;
    authorization_request request;
    std::string user_id;
    uint64_t authorized_ms = 0;    /* issue_code: the session's time */
    sign_in_request sign_in;
};

/* GET (and HEAD): the login page, or the consent page after a recent
 * sign-in, or the code at once (consent=off); errors before the
 * redirect_uri is known are our own page, later ones a redirect. */
authorize_step authorize_get(std::string_view query,
                             const authorize_env &env);

/* POST: the login form or the consent form's answer; CSRF before
 * anything (RFC 6749 §10.12): the source the browser names, then the
 * token. `ip` is the client's address, for its throttle. */
authorize_step authorize_post(std::string_view body,
                              const form_source &source,
                              std::string_view ip, const authorize_env &env);

/* The answer once a code was issued (or not: the store full, the
 * owner's access ended); `session` a new session cookie value to set, or
 * "". */
http_answer answer_code(const authorize_env &env,
                        const authorization_request &req,
                        const issued_code &code,
                        std::string_view session = "");

/* The answer to a sign-in; `typed` the e-mail the owner typed, kept in
 * the form after a wrong password. */
http_answer answer_sign_in(const authorize_env &env,
                           const authorization_request &req,
                           const sign_in_result &result,
                           std::string_view typed);

}  // namespace seam
