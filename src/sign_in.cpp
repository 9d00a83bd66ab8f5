#include "sign_in.h"
#include "codes.h"
#include "owners.h"
#include "password.h"
#include "secrets.h"
#include "sessions.h"
#include "throttle.h"
#include "users.h"

#include <algorithm>
#include <ctime>

namespace seam {

account_check
store_accounts::check(std::string_view email, std::string_view password)
{
    account_check c;
    auto user = find_user(store_, email);
    if (!user) {
        verify_password_decoy(password);
        return c;
    }
    if (verify_password(password, user->password_hash)) {
        c.result = account_check::verdict::ok;
        c.user_id = user->user_id;
        c.name = normalize_email(email);
    }
    return c;
}

issued_code
issue_code_for(store &s, const oauth_config &config,
               const authorization_request &req, std::string_view user_id,
               uint64_t authorized_ms, uint64_t now)
{
    code_record code;
    code.expires_at = now + config.code_ttl;
    code.client_id = req.client->id;
    code.redirect_uri = req.redirect_uri;
    code.user_id = std::string(user_id);
    code.scope = req.scope;
    code.code_challenge = req.code_challenge;

    issued_code out;
    out.user_id = std::string(user_id);
    std::string secret = new_secret();
    try {
        txn t = s.begin_write();
        /* in the transaction that stores the code: a removal committed
         * before it is seen, one after it voids the code at redemption */
        if (owner_access_ended(t, user_id, authorized_ms)) {
            out.result = issued_code::outcome::revoked;
            return out;
        }
        t.put(table::codes, key_of(secret).view(), encode(code));
        t.commit();
    } catch (const store_error &e) {
        out.result = issued_code::outcome::unavailable;
        out.why = s.write_failure(e);
        return out;
    }
    out.code = std::move(secret);
    return out;
}

/* The throttles' slots of a sign-in: unknown e-mails are counted alike,
 * so that nothing tells which exist. */
static std::pair<throttle_slot, throttle_slot>
slots_of(const oauth_config &config, const sign_in_request &req)
{
    return {{throttle_key("account", normalize_email(req.email)),
             config.account_throttle()},
            {throttle_key("ip", req.ip), config.ip_throttle()}};
}

static sign_in_result
store_failed(store &s, const store_error &e)
{
    sign_in_result out;
    out.result = sign_in_result::outcome::unavailable;
    out.store_full = true;
    out.why = s.write_failure(e);
    return out;
}

std::optional<sign_in_result>
reserve_sign_in(store &s, const oauth_config &config,
                const sign_in_request &req)
{
    try {
        auto [account, ip] = slots_of(config, req);
        sign_in_result out;
        out.retry_after = throttle_reserve(s, {account, ip}, req.now);
        if (out.retry_after) {
            out.result = sign_in_result::outcome::locked;
            return out;
        }
    } catch (const store_error &e) {
        return store_failed(s, e);
    }
    return std::nullopt;
}

static sign_in_result
finish_steps(store &s, const oauth_config &config, const sign_in_request &req,
             account_check who, uint64_t authorized_ms)
{
    using outcome = sign_in_result::outcome;
    auto [account, ip] = slots_of(config, req);
    sign_in_result out;

    if (who.result == account_check::verdict::unavailable) {
        /* an outage is no failure of the owner's */
        throttle_refund(s, account);
        throttle_refund(s, ip);
        out.result = outcome::unavailable;
        out.why = std::move(who.why);
        return out;
    }
    if (who.result == account_check::verdict::wrong) {
        out.result = outcome::wrong_credentials;
        return out;
    }

    throttle_reset(s, account.key);
    throttle_refund(s, ip);
    out.user_id = std::move(who.user_id);
    out.email = who.name.empty() ? req.email : std::move(who.name);

    auto session = create_session(s, {req.now + config.session_ttl,
                                       out.user_id, out.email, req.now});
    if (!session) {
        throw store_full("no room for a session", 0);
    }
    out.session = std::move(*session);

    if (!needs_consent(req.authz)) {
        issued_code issued = issue_code_for(s, config, req.authz, out.user_id,
                                            authorized_ms, req.now);
        if (issued.result == issued_code::outcome::unavailable) {
            out.result = outcome::unavailable;
            out.store_full = true;
            out.why = std::move(issued.why);
            return out;
        }
        if (issued.result == issued_code::outcome::revoked) {
            /* the account was removed while its password was checked */
            out.session.clear();
            out.result = outcome::wrong_credentials;
            return out;
        }
        out.code = std::move(issued.code);
    }
    out.result = outcome::signed_in;
    return out;
}

sign_in_result
finish_sign_in(store &s, const oauth_config &config,
               const sign_in_request &req, account_check who,
               uint64_t authorized_ms)
{
    try {
        return finish_steps(s, config, req, std::move(who), authorized_ms);
    } catch (const store_error &e) {
        /* the throttles, the session or the code could not be written */
        return store_failed(s, e);
    }
}

sign_in_result
sign_in(store &s, const oauth_config &config, const sign_in_request &req,
        account_source &accounts)
{
    uint64_t authorized_ms = now_ms();
    if (auto locked = reserve_sign_in(s, config, req)) {
        return std::move(*locked);
    }
    return finish_sign_in(s, config, req,
                          accounts.check(req.email, req.password),
                          authorized_ms);
}

}  // namespace seam
