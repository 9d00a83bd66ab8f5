#include "records.h"

namespace seam {

namespace {

/* 2: integers and lengths as LEB128 varints (version 1 spent 8 bytes on
 * each), so a live token costs about half the store space */
const uint8_t format_version = 2;
const size_t max_field = 1 << 16;
const size_t max_tokens = 1 << 16;

class writer {
public:
    explicit writer(record_kind kind)
    {
        buf_.push_back(static_cast<char>(kind));
        buf_.push_back(static_cast<char>(format_version));
    }
    void u64(uint64_t v)
    {
        while (v >= 0x80) {
            buf_.push_back(static_cast<char>((v & 0x7f) | 0x80));
            v >>= 7;
        }
        buf_.push_back(static_cast<char>(v));
    }
    void str(std::string_view s)
    {
        u64(s.size());
        buf_.append(s);
    }
    void refs(const std::vector<token_ref> &v)
    {
        u64(v.size());
        for (const token_ref &t : v) {
            str(t.hash);
            u64(t.expires_at);
        }
    }
    std::string take() { return std::move(buf_); }

private:
    std::string buf_;
};

class reader {
public:
    reader(std::string_view in, record_kind kind) : in_(in)
    {
        ok_ = in_.size() >= 2
              && static_cast<uint8_t>(in_[0]) == static_cast<uint8_t>(kind)
              && static_cast<uint8_t>(in_[1]) == format_version;
        pos_ = 2;
    }
    uint64_t u64()
    {
        uint64_t v = 0;
        for (int shift = 0; ok_ && shift < 64; shift += 7) {
            if (pos_ >= in_.size()) {
                break;
            }
            uint8_t byte = static_cast<uint8_t>(in_[pos_++]);
            /* the tenth byte holds bit 63 only: more would be dropped */
            if (shift == 63 && byte > 1) {
                break;
            }
            v |= static_cast<uint64_t>(byte & 0x7f) << shift;
            if ((byte & 0x80) == 0) {
                /* the shortest form only: one value, one encoding, so a
                 * decoded record encodes back to the same bytes */
                if (byte == 0 && shift != 0) {
                    break;
                }
                return v;
            }
        }
        ok_ = false;
        return 0;
    }
    std::string str() { return std::string(view()); }
    std::string_view view()
    {
        uint64_t len = u64();
        if (!ok_ || len > max_field || in_.size() - pos_ < len) {
            ok_ = false;
            return {};
        }
        std::string_view s = in_.substr(pos_, len);
        pos_ += len;
        return s;
    }
    bool refs(std::vector<token_ref> &out)
    {
        uint64_t n = u64();
        if (!ok_ || n > max_tokens) {
            ok_ = false;
            return false;
        }
        for (uint64_t i = 0; i < n && ok_; i++) {
            token_ref t;
            t.hash = str();
            t.expires_at = u64();
            out.push_back(std::move(t));
        }
        return ok_;
    }
    /* Every byte consumed and every read in bounds. */
    bool complete() const { return ok_ && pos_ == in_.size(); }
    /* `r` when the whole value decoded into it */
    template <class R>
    friend std::optional<R> finish(const reader &rd, R &&r)
    {
        if (!rd.complete()) {
            return std::nullopt;
        }
        return std::move(r);
    }

private:
    std::string_view in_;
    size_t pos_ = 0;
    bool ok_ = false;
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
encode(const owner_record &r)
{
    writer w(record_kind::owner);
    w.u64(r.revoked_at);
    w.u64(r.removed ? 1 : 0);
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
        || k > static_cast<uint8_t>(record_kind::owner))
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
    return finish(rd, std::move(r));
}

std::optional<code_tombstone>
decode_tombstone(std::string_view value)
{
    reader rd(value, record_kind::code_tombstone);
    code_tombstone r;
    r.expires_at = rd.u64();
    r.grant_id = rd.str();
    return finish(rd, std::move(r));
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
    return finish(rd, std::move(r));
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
    return finish(rd, std::move(r));
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
    return finish(rd, std::move(r));
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
    return finish(rd, std::move(r));
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
    return finish(rd, std::move(r));
}

std::optional<owner_record>
decode_owner(std::string_view value)
{
    reader rd(value, record_kind::owner);
    owner_record r;
    r.revoked_at = rd.u64();
    uint64_t removed = rd.u64();
    if (removed > 1) {
        return std::nullopt;
    }
    r.removed = removed == 1;
    return finish(rd, std::move(r));
}

}  // namespace seam
