/*
 * The sign-in: the owner's e-mail and password checked against a source
 * of accounts, counted by the throttles (RFC 6819 §4.4.3.6), remembered
 * as a session, and, when no consent is due, an authorization code. One
 * use case for every source of accounts, a parameter: the store's own
 * (argon2id, store_accounts) or the device cloud's (login_check.h, whose
 * answer the adapter brings back from a subrequest). Runs in thread-pool
 * threads: password hashing and durable commits never block nginx's event
 * loop.
 */
#pragma once

#include "authorize.h"
#include "config.h"
#include "store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace seam {

/* What a source of accounts says of an e-mail and password. */
struct account_check {
    enum class verdict { ok, wrong, unavailable };
    verdict result = verdict::wrong;
    std::string user_id;           /* ok: the owner */
    std::string name;              /* ok: its name as the source knows it,
                                      or "" for the one typed */
    std::string why;               /* unavailable: for the error log */
};

class account_source {
public:
    virtual ~account_source() = default;
    virtual account_check check(std::string_view email,
                                std::string_view password) = 0;
};

/* The owners of the store (users.h): argon2id, and for an unknown e-mail
 * the same work on a decoy, so that the time does not tell which exist. */
class store_accounts : public account_source {
public:
    explicit store_accounts(store &s) : store_(s) {}
    account_check check(std::string_view email,
                        std::string_view password) override;

private:
    store &store_;
};

struct sign_in_request {
    authorization_request authz;
    std::string email;
    std::string password;
    std::string ip;                /* the client address, for its throttle */
    uint64_t now = 0;
};

struct sign_in_result {
    enum class outcome { signed_in, wrong_credentials, locked, unavailable };
    outcome result = outcome::wrong_credentials;
    uint64_t retry_after = 0;      /* locked */
    std::string user_id;           /* signed_in */
    std::string email;             /* signed_in: its name, as the accounts
                                      know it */
    std::string session;           /* signed_in: the new session cookie */
    /* signed_in without consent to ask: the code (nullopt: consent is
     * due) */
    std::optional<std::string> code;
    std::string why;               /* unavailable: for the error log */
    bool store_full = false;       /* unavailable: the store could not be
                                      written */
};

/* The whole sign-in, with a source that answers at once (the store's
 * accounts, in a thread-pool thread): reserve_sign_in(), the check, then
 * finish_sign_in(). */
sign_in_result sign_in(store &s, const oauth_config &config,
                       const sign_in_request &req, account_source &accounts);

/* Its halves, for a source whose answer comes later (the device cloud's
 * login API, login_check.h), each a durable write for a thread pool: the
 * attempt reserved by the throttles before anyone looks at the password
 * (a result when it is locked, or the store cannot be written; nullopt
 * when the check may go ahead), then the outcome of the check. */
std::optional<sign_in_result> reserve_sign_in(store &s,
                                              const oauth_config &config,
                                              const sign_in_request &req);
sign_in_result finish_sign_in(store &s, const oauth_config &config,
                              const sign_in_request &req, account_check who,
                              uint64_t authorized_ms);

/* A code issued for an owner signed in at `authorized_ms` (a session's
 * issue time, or the password's check): none when the owner's access
 * ended since (owners.h), or when the store is full. */
struct issued_code {
    enum class outcome { issued, unavailable, revoked };
    outcome result = outcome::issued;
    std::string code;
    std::string why;               /* unavailable: store::write_failure */
    std::string user_id;           /* whose */
};

issued_code issue_code_for(store &s, const oauth_config &config,
                           const authorization_request &req,
                           std::string_view user_id, uint64_t authorized_ms,
                           uint64_t now);

}  // namespace seam
