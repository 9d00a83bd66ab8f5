#include "sign_in.h"
#include "codes.h"
#include "password.h"
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

std::optional<std::string>
issue_code_for(store &s, const oauth_config &config,
               const authorization_request &req, std::string_view user_id,
               uint64_t now)
{
    code_record code;
    code.client_id = req.client->id;
    code.redirect_uri = req.redirect_uri;
    code.user_id = std::string(user_id);
    code.scope = req.scope;
    code.code_challenge = req.code_challenge;
    return issue_code(s, std::move(code), now, config.code_ttl);
}

sign_in_result
sign_in(store &s, const oauth_config &config, const sign_in_request &req,
        account_source &accounts)
{
    using outcome = sign_in_result::outcome;
    sign_in_result out;
    out.email = normalize_email(req.email);

    /* unknown e-mails are counted alike: nothing tells which exist */
    std::string account = throttle_key("account", out.email);
    std::string ip = throttle_key("ip", req.ip);

    out.retry_after = std::max(throttle_wait_threaded(s, account, req.now),
                               throttle_wait_threaded(s, ip, req.now));
    if (out.retry_after) {
        out.result = outcome::locked;
        return out;
    }

    account_check who = accounts.check(req.email, req.password);
    if (who.result == account_check::verdict::unavailable) {
        out.result = outcome::unavailable;
        out.why = std::move(who.why);
        return out;
    }
    if (who.result == account_check::verdict::wrong) {
        /* the lock counts from now, after the hash, not from the request */
        uint64_t done = static_cast<uint64_t>(time(nullptr));
        throttle_failure(s, account, config.account_throttle(), done);
        throttle_failure(s, ip, config.ip_throttle(), done);
        out.result = outcome::wrong_credentials;
        return out;
    }

    throttle_reset(s, account);
    out.user_id = std::move(who.user_id);

    auto session = create_session(s, {req.now + config.session_ttl,
                                       out.user_id, out.email, req.now});
    if (!session) {
        out.result = outcome::unavailable;
        out.store_full = true;
        out.why = s.full_message();
        return out;
    }
    out.session = std::move(*session);

    if (!needs_consent(req.authz)) {
        out.code = issue_code_for(s, config, req.authz, out.user_id,
                                  req.now);
        if (!out.code) {
            out.result = outcome::unavailable;
            out.store_full = true;
            out.why = s.full_message();
            return out;
        }
    }
    out.result = outcome::signed_in;
    return out;
}

}  // namespace seam
