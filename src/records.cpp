#include "records.h"

#include "wire.h"

namespace seam {

namespace {

/* 2: integers and lengths as LEB128 varints (version 1 spent 8 bytes on
 * each), so a live token costs about half the store space */
const uint8_t format_version = 2;
const size_t max_tokens = 1 << 16;

/* A record: its kind, the format version, then the fields (wire.h). */
class writer : public wire::writer {
public:
    explicit writer(record_kind kind)
        : wire::writer(static_cast<uint8_t>(kind), format_version) {}
    void refs(const std::vector<token_ref> &v)
    {
        u64(v.size());
        for (const token_ref &t : v) {
            str(t.hash);
            u64(t.expires_at);
        }
    }
};

class reader : public wire::reader {
public:
    reader(std::string_view in, record_kind kind)
        : wire::reader(in, static_cast<uint8_t>(kind), format_version) {}
    bool refs(std::vector<token_ref> &out)
    {
        uint64_t n = u64();
        if (!ok() || n > max_tokens) {
            fail();
            return false;
        }
        for (uint64_t i = 0; i < n && ok(); i++) {
            token_ref t;
            t.hash = str();
            t.expires_at = u64();
            out.push_back(std::move(t));
        }
        return ok();
    }
};

}  // namespace

std::string
encode(const code_record &r)
{
    writer w(record_kind::code);
    w.u64(r.expires_at);
    w.str(r.client_id);
    w.str(r.redirect_uri);
    w.str(r.user_id);
    w.str(r.scope);
    w.str(r.code_challenge);
    return w.take();
}

std::string
encode(const code_tombstone &r)
{
    writer w(record_kind::code_tombstone);
    w.u64(r.expires_at);
    w.str(r.grant_id);
    return w.take();
}

std::string
encode(const grant_record &r)
{
    writer w(record_kind::grant);
    w.str(r.client_id);
    w.str(r.user_id);
    w.str(r.scope);
    w.u64(r.created_at);
    w.refs(r.access_tokens);
    w.refs(r.refresh_tokens);
    return w.take();
}

std::string
encode(const access_token_record &r)
{
    writer w(record_kind::access_token);
    w.u64(r.expires_at);
    w.str(r.grant_id);
    w.str(r.user_id);
    w.str(r.client_id);
    w.str(r.scope);
    return w.take();
}

std::string
encode(const user_record &r)
{
    writer w(record_kind::user);
    w.str(r.user_id);
    w.str(r.password_hash);
    w.u64(r.created_at);
    return w.take();
}

std::string
encode(const refresh_token_record &r)
{
    writer w(record_kind::refresh_token);
    w.u64(r.expires_at);
    w.str(r.grant_id);
    w.str(r.client_id);
    w.u64(r.rotated_at);
    return w.take();
}

std::string
encode(const session_record &r)
{
    writer w(record_kind::session);
    w.u64(r.expires_at);
    w.str(r.user_id);
    w.str(r.email);
    w.u64(r.auth_time);
    return w.take();
}

std::string
encode(const throttle_record &r)
{
    writer w(record_kind::throttle);
    w.u64(r.window_start);
    w.u64(r.failures);
    w.u64(r.locked_until);
    w.u64(r.last_lockout);
    return w.take();
}

std::optional<record_kind>
kind_of(std::string_view value)
{
    if (value.size() < 2 || static_cast<uint8_t>(value[1]) != format_version)
    {
        return std::nullopt;
    }
    uint8_t k = static_cast<uint8_t>(value[0]);
    if (k < static_cast<uint8_t>(record_kind::code)
        || k > static_cast<uint8_t>(record_kind::throttle))
    {
        return std::nullopt;
    }
    return static_cast<record_kind>(k);
}

std::optional<code_record>
decode_code(std::string_view value)
{
    reader rd(value, record_kind::code);
    code_record r;
    r.expires_at = rd.u64();
    r.client_id = rd.str();
    r.redirect_uri = rd.str();
    r.user_id = rd.str();
    r.scope = rd.str();
    r.code_challenge = rd.str();
    return wire::finish(rd, std::move(r));
}

std::optional<code_tombstone>
decode_tombstone(std::string_view value)
{
    reader rd(value, record_kind::code_tombstone);
    code_tombstone r;
    r.expires_at = rd.u64();
    r.grant_id = rd.str();
    return wire::finish(rd, std::move(r));
}

std::optional<grant_record>
decode_grant(std::string_view value)
{
    reader rd(value, record_kind::grant);
    grant_record r;
    r.client_id = rd.str();
    r.user_id = rd.str();
    r.scope = rd.str();
    r.created_at = rd.u64();
    rd.refs(r.access_tokens);
    rd.refs(r.refresh_tokens);
    return wire::finish(rd, std::move(r));
}

bool
decode_access_token(std::string_view value, access_token_view &out)
{
    reader rd(value, record_kind::access_token);
    out.expires_at = rd.u64();
    out.grant_id = rd.view();
    out.user_id = rd.view();
    out.client_id = rd.view();
    out.scope = rd.view();
    return rd.complete();
}

std::optional<access_token_record>
decode_access_token(std::string_view value)
{
    access_token_view v;
    if (!decode_access_token(value, v)) {
        return std::nullopt;
    }
    return access_token_record{v.expires_at, std::string(v.grant_id),
                               std::string(v.user_id),
                               std::string(v.client_id),
                               std::string(v.scope)};
}

std::optional<user_record>
decode_user(std::string_view value)
{
    reader rd(value, record_kind::user);
    user_record r;
    r.user_id = rd.str();
    r.password_hash = rd.str();
    r.created_at = rd.u64();
    return wire::finish(rd, std::move(r));
}

std::optional<refresh_token_record>
decode_refresh_token(std::string_view value)
{
    reader rd(value, record_kind::refresh_token);
    refresh_token_record r;
    r.expires_at = rd.u64();
    r.grant_id = rd.str();
    r.client_id = rd.str();
    r.rotated_at = rd.u64();
    return wire::finish(rd, std::move(r));
}

std::optional<session_record>
decode_session(std::string_view value)
{
    reader rd(value, record_kind::session);
    session_record r;
    r.expires_at = rd.u64();
    r.user_id = rd.str();
    r.email = rd.str();
    r.auth_time = rd.u64();
    return wire::finish(rd, std::move(r));
}

std::optional<throttle_record>
decode_throttle(std::string_view value)
{
    reader rd(value, record_kind::throttle);
    throttle_record r;
    r.window_start = rd.u64();
    r.failures = rd.u64();
    r.locked_until = rd.u64();
    r.last_lockout = rd.u64();
    return wire::finish(rd, std::move(r));
}

}  // namespace seam
