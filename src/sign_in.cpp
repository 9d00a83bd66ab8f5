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

static sign_in_result
sign_in_steps(store &s, const oauth_config &config,
              const sign_in_request &req, account_source &accounts)
{
    using outcome = sign_in_result::outcome;
    sign_in_result out;
    out.email = normalize_email(req.email);
    uint64_t authorized_ms = now_ms();

    /* unknown e-mails are counted alike: nothing tells which exist; the
     * attempt is counted before the password is checked, so that no more
     * than the limit are ever being checked at once */
    throttle_slot account{throttle_key("account", out.email),
                          config.account_throttle()};
    throttle_slot ip{throttle_key("ip", req.ip), config.ip_throttle()};

    out.retry_after = throttle_reserve(s, {account, ip}, req.now);
    if (out.retry_after) {
        out.result = outcome::locked;
        return out;
    }

    account_check who = accounts.check(req.email, req.password);
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
sign_in(store &s, const oauth_config &config, const sign_in_request &req,
        account_source &accounts)
{
    try {
        return sign_in_steps(s, config, req, accounts);

    } catch (const store_error &e) {
        /* the throttles, the session or the code could not be written */
        sign_in_result out;
        out.result = sign_in_result::outcome::unavailable;
        out.store_full = true;
        out.why = s.write_failure(e);
        return out;
    }
}

}  // namespace seam
