/*
 * Every decode_* of records.h on arbitrary bytes: never a crash or a read
 * past the end, a value decodes as at most the kind its first byte names,
 * and a value that decodes encodes back to the very same bytes. Records
 * built from the input survive encode then decode unchanged. Nothing here
 * assumes a format version: the checks hold for any encoding.
 */
#include "fuzz_common.h"
#include "records.h"
#include "throttle.h"

#include <fuzzer/FuzzedDataProvider.h>

using namespace seam;

/* in seam, where std::vector's == finds it by argument lookup */
namespace seam {
static bool
operator==(const token_ref &a, const token_ref &b)
{
    return a.hash == b.hash && a.expires_at == b.expires_at;
}
}  // namespace seam

namespace {

template <typename Record>
void
round_trip(std::string_view in, const std::optional<Record> &decoded,
           record_kind kind, int &successes)
{
    if (!decoded) {
        return;
    }
    successes++;
    FUZZ_CHECK(kind_of(in) == kind, in);
    FUZZ_CHECK(encode(*decoded) == in, in);
}

/* Strings of at most 1 KiB, the input's bytes, so that records stay
 * within the decoder's field limit. */
std::string
field(FuzzedDataProvider &fdp)
{
    return fdp.ConsumeRandomLengthString(1024);
}

std::vector<token_ref>
refs(FuzzedDataProvider &fdp)
{
    std::vector<token_ref> out(fdp.ConsumeIntegralInRange<size_t>(0, 4));
    for (token_ref &t : out) {
        t.hash = field(fdp);
        t.expires_at = fdp.ConsumeIntegral<uint64_t>();
    }
    return out;
}

void
built_records(const uint8_t *data, size_t size)
{
    FuzzedDataProvider fdp(data, size);

    code_record c;
    c.expires_at = fdp.ConsumeIntegral<uint64_t>();
    c.client_id = field(fdp);
    c.redirect_uri = field(fdp);
    c.user_id = field(fdp);
    c.scope = field(fdp);
    c.code_challenge = field(fdp);
    auto c2 = decode_code(encode(c));
    FUZZ_CHECK(c2 && c2->expires_at == c.expires_at
               && c2->client_id == c.client_id
               && c2->redirect_uri == c.redirect_uri
               && c2->user_id == c.user_id && c2->scope == c.scope
               && c2->code_challenge == c.code_challenge, encode(c));

    code_tombstone t;
    t.expires_at = fdp.ConsumeIntegral<uint64_t>();
    t.grant_id = field(fdp);
    auto t2 = decode_tombstone(encode(t));
    FUZZ_CHECK(t2 && t2->expires_at == t.expires_at
               && t2->grant_id == t.grant_id, encode(t));

    grant_record g;
    g.client_id = field(fdp);
    g.user_id = field(fdp);
    g.scope = field(fdp);
    g.created_at = fdp.ConsumeIntegral<uint64_t>();
    g.access_tokens = refs(fdp);
    g.refresh_tokens = refs(fdp);
    auto g2 = decode_grant(encode(g));
    FUZZ_CHECK(g2 && g2->client_id == g.client_id && g2->user_id == g.user_id
               && g2->scope == g.scope && g2->created_at == g.created_at
               && g2->access_tokens == g.access_tokens
               && g2->refresh_tokens == g.refresh_tokens, encode(g));

    access_token_record a;
    a.expires_at = fdp.ConsumeIntegral<uint64_t>();
    a.grant_id = field(fdp);
    a.user_id = field(fdp);
    a.client_id = field(fdp);
    a.scope = field(fdp);
    auto a2 = decode_access_token(encode(a));
    FUZZ_CHECK(a2 && a2->expires_at == a.expires_at
               && a2->grant_id == a.grant_id && a2->user_id == a.user_id
               && a2->client_id == a.client_id && a2->scope == a.scope,
               encode(a));

    user_record u;
    u.user_id = field(fdp);
    u.password_hash = field(fdp);
    u.created_at = fdp.ConsumeIntegral<uint64_t>();
    auto u2 = decode_user(encode(u));
    FUZZ_CHECK(u2 && u2->user_id == u.user_id
               && u2->password_hash == u.password_hash
               && u2->created_at == u.created_at, encode(u));

    refresh_token_record r;
    r.expires_at = fdp.ConsumeIntegral<uint64_t>();
    r.grant_id = field(fdp);
    r.client_id = field(fdp);
    r.rotated_at = fdp.ConsumeIntegral<uint64_t>();
    auto r2 = decode_refresh_token(encode(r));
    FUZZ_CHECK(r2 && r2->expires_at == r.expires_at
               && r2->grant_id == r.grant_id && r2->client_id == r.client_id
               && r2->rotated_at == r.rotated_at, encode(r));

    throttle_record th;
    th.window_start = fdp.ConsumeIntegral<uint64_t>();
    th.failures = fdp.ConsumeIntegral<uint64_t>();
    th.locked_until = fdp.ConsumeIntegral<uint64_t>();
    th.last_lockout = fdp.ConsumeIntegral<uint64_t>();
    auto th2 = decode_throttle(encode(th));
    FUZZ_CHECK(th2 && th2->window_start == th.window_start
               && th2->failures == th.failures
               && th2->locked_until == th.locked_until
               && th2->last_lockout == th.last_lockout, encode(th));

    owner_record o;
    o.revoked_at = fdp.ConsumeIntegral<uint64_t>();
    o.removed = fdp.ConsumeBool();
    auto o2 = decode_owner(encode(o));
    FUZZ_CHECK(o2 && o2->revoked_at == o.revoked_at
               && o2->removed == o.removed, encode(o));

    session_record s;
    s.expires_at = fdp.ConsumeIntegral<uint64_t>();
    s.user_id = field(fdp);
    s.email = field(fdp);
    s.auth_time = fdp.ConsumeIntegral<uint64_t>();
    auto s2 = decode_session(encode(s));
    FUZZ_CHECK(s2 && s2->expires_at == s.expires_at
               && s2->user_id == s.user_id && s2->email == s.email
               && s2->auth_time == s.auth_time, encode(s));
}

}  // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string_view in = fuzz::bytes(data, size);

    int successes = 0;
    round_trip(in, decode_code(in), record_kind::code, successes);
    round_trip(in, decode_tombstone(in), record_kind::code_tombstone,
               successes);
    round_trip(in, decode_grant(in), record_kind::grant, successes);
    round_trip(in, decode_access_token(in), record_kind::access_token,
               successes);
    round_trip(in, decode_user(in), record_kind::user, successes);
    round_trip(in, decode_refresh_token(in), record_kind::refresh_token,
               successes);
    round_trip(in, decode_session(in), record_kind::session, successes);
    round_trip(in, decode_throttle(in), record_kind::throttle, successes);
    round_trip(in, decode_owner(in), record_kind::owner, successes);
    FUZZ_CHECK(successes <= 1, in);

    if (auto kind = kind_of(in)) {
        FUZZ_CHECK(in.size() >= 2
                   && static_cast<uint8_t>(in[0])
                          == static_cast<uint8_t>(*kind), in);
    }
    (void) throttle_expired(in, 1000, 900);

    built_records(data, size);
    return 0;
}
