#include "grant_fixtures.h"
#include "crypto.h"
#include "secrets.h"

using namespace seam;

extern const char *const redirect = "https://x.integrations.getseam.com/cb";
extern const char *const verifier =
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

code_record
make_code(std::string user, std::string challenge)
{
    code_record c;
    c.client_id = "seam";
    c.redirect_uri = redirect;
    c.user_id = std::move(user);
    c.scope = "devices";
    c.code_challenge = std::move(challenge);
    return c;
}

redemption_request
make_request(const std::string &code, uint64_t now)
{
    redemption_request r;
    r.code = code;
    r.client_id = "seam";
    r.redirect_uri = std::string(redirect);
    r.now = now;
    r.access_token_ttl = 3600;
    without_refresh_token(r);
    return r;
}

std::string
issue(store &s, code_record c, uint64_t now, uint64_t ttl)
{
    auto code = issue_code(s, std::move(c), now, ttl);
    ck_assert(code.has_value());
    return *code;
}

redemption
redeem_ok(store &s, const redemption_request &req)
{
    redemption r = redeem_code(s, req);
    ck_assert_msg(r.error == oauth_error::none, "redemption failed: %s",
                  r.description.c_str());
    return r;
}

size_t
entries(store &s, table t)
{
    return s.stats().entries[static_cast<int>(t)];
}

extern const std::string rotation_key(32, 'k');

redemption
redeem_with_refresh(store &s, uint64_t now,
                    std::string scope,
                    std::string user)
{
    code_record c = make_code(std::move(user));
    c.scope = std::move(scope);
    redemption_request req = make_request(issue(s, c), now);
    req.access_token_ttl = 3600;
    req.refresh_token_ttl = 86400;
    return redeem_ok(s, req);
}

refresh_request
make_refresh(const std::string &token, uint64_t now, bool rotate)
{
    refresh_request r;
    r.refresh_token = token;
    r.client_id = "seam";
    r.now = now;
    r.access_token_ttl = 3600;
    r.refresh_token_ttl = 86400;
    r.rotate = rotate;
    r.grace = 60;
    r.key = rotation_key;
    return r;
}

redemption
refresh_ok(store &s, const refresh_request &req)
{
    redemption r = refresh_grant(s, req);
    ck_assert_msg(r.error == oauth_error::none, "refresh failed: %s",
                  r.description.c_str());
    ck_assert(!r.replay);
    return r;
}

redemption
refresh_fails(store &s, const refresh_request &req,
              oauth_error error)
{
    redemption r = refresh_grant(s, req);
    ck_assert_msg(r.error == error, "refresh gave error %d, not %d: %s",
                  static_cast<int>(r.error), static_cast<int>(error),
                  r.description.c_str());
    ck_assert_std_eq(r.access_token, "");
    ck_assert_std_eq(r.refresh_token, "");
    return r;
}

std::optional<refresh_token_record>
refresh_record(store &s, const std::string &token)
{
    txn t = s.begin_read();
    auto v = t.get(table::refresh, key_of(token).str());
    return v ? decode_refresh_token(*v) : std::nullopt;
}

std::optional<grant_record>
grant_of(store &s, const std::string &grant_id)
{
    txn t = s.begin_read();
    auto v = t.get(table::grants, grant_id);
    return v ? decode_grant(*v) : std::nullopt;
}

void
expect_inactive(const token_info &i)
{
    ck_assert(!i.active);
    ck_assert(!i.refresh);
    ck_assert_std_eq(i.client_id, "");
    ck_assert_std_eq(i.user_id, "");
    ck_assert_std_eq(i.scope, "");
    ck_assert(i.expires_at == 0);
}

std::string
derived(const std::string &label, const std::string &refresh_token,
        uint64_t rotated_at, const std::string &key)
{
    std::string message = "seam-oauth rotation v1 " + label;
    message.push_back('\0');
    message += refresh_token;
    return make_secret(rotated_at * 1000, hmac_sha256(key, message));
}
