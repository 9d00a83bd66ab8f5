/*
 * records.h: the binary values kept in LMDB (codes, tombstones, grants,
 * access and refresh tokens, users, sessions, throttles). Round trips, and
 * every truncated, extended, corrupted or random value decodes to nullopt
 * or, as its own kind only, to a record that encodes back to the same
 * bytes, never reading past its end (Check reports a crash as an error).
 */
#include "records.h"
#include "helpers.h"
#include "suites.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

using namespace seam;

namespace {

/* A copy of a value that ends exactly at an inaccessible page, so that a
 * read one byte past its end is a SIGSEGV (a Check error), not a silent
 * read of heap slack. */
class guarded {
public:
    explicit guarded(std::string_view v)
    {
        page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
        size_t pages = (v.size() + page_ - 1) / page_ + 1;
        size_ = pages * page_;
        void *m = mmap(nullptr, size_, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ck_assert_msg(m != MAP_FAILED, "mmap failed");
        base_ = static_cast<char *>(m);
        ck_assert_int_eq(mprotect(base_ + size_ - page_, page_, PROT_NONE),
                         0);
        data_ = base_ + size_ - page_ - v.size();
        std::memcpy(data_, v.data(), v.size());
        len_ = v.size();
    }
    ~guarded() { munmap(base_, size_); }
    guarded(const guarded &) = delete;
    guarded &operator=(const guarded &) = delete;
    std::string_view view() const { return {data_, len_}; }

private:
    size_t page_ = 0, size_ = 0, len_ = 0;
    char *base_ = nullptr;
    char *data_ = nullptr;
};

code_record
sample_code()
{
    code_record r;
    r.expires_at = 0x0102030405060708ULL;
    r.client_id = "seam";
    r.redirect_uri = "https://x.integrations.getseam.com/cb?session=1";
    r.user_id = "u_0123";
    r.scope = "devices access_codes";
    r.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    return r;
}

grant_record
sample_grant()
{
    grant_record g;
    g.client_id = "seam";
    g.user_id = "u_1";
    g.scope = "";
    g.created_at = 42;
    g.access_tokens = {{std::string(32, '\x01'), 100},
                       {std::string(32, '\xff'), UINT64_MAX}};
    g.refresh_tokens = {{std::string(32, '\x02'), 86400}};
    return g;
}

access_token_record
sample_token()
{
    return {3600, std::string(16, '\0'), "u_1", "seam", "devices"};
}

user_record
sample_user()
{
    return {"u_abc", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", 7};
}

refresh_token_record
sample_refresh()
{
    return {0x1112131415161718ULL, std::string(16, '\x7f'), "seam", 2000};
}

session_record
sample_session()
{
    return {1300, "u_1", "owner@example.com", 0x2122232425262728ULL};
}

/* Every proper prefix of `value` is refused by `decode`. */
template <typename Decode>
void
all_prefixes_refused(const std::string &value, Decode decode)
{
    for (size_t n = 0; n < value.size(); n++) {
        guarded g(std::string_view(value).substr(0, n));
        ck_assert_msg(!decode(g.view()),
                      "a %zu-byte prefix of a %zu-byte value decoded", n,
                      value.size());
    }
    ck_assert_msg(!decode(value + std::string(1, '\0')),
                  "a value with a trailing byte decoded");
    ck_assert_msg(decode(value).has_value(), "the full value did not decode");
}

/* Every single-byte corruption decodes or not, without reading past the
 * end (a guard page would fault); a changed kind or version byte is
 * always refused. */
template <typename Decode>
void
corruptions_survive(const std::string &value, Decode decode)
{
    const unsigned char xors[] = {0x01, 0x80, 0xff, 0x7f};
    for (size_t i = 0; i < value.size(); i++) {
        for (unsigned char x : xors) {
            std::string bad = value;
            bad[i] = static_cast<char>(bad[i] ^ x);
            guarded g(bad);
            auto d = decode(g.view());
            if (i < 2) {
                ck_assert_msg(!d, "corrupted header byte %zu decoded", i);
            }
        }
    }
}

}  // namespace

START_TEST(code_round_trip)
{
    code_record r = sample_code();
    std::string v = encode(r);
    ck_assert(kind_of(v) == record_kind::code);
    auto d = decode_code(v);
    ck_assert(d.has_value());
    ck_assert(d->expires_at == r.expires_at);
    ck_assert_std_eq(d->client_id, r.client_id);
    ck_assert_std_eq(d->redirect_uri, r.redirect_uri);
    ck_assert_std_eq(d->user_id, r.user_id);
    ck_assert_std_eq(d->scope, r.scope);
    ck_assert_std_eq(d->code_challenge, r.code_challenge);

    /* empty strings and binary bytes */
    code_record e;
    e.client_id = std::string("a\0b", 3);
    auto de = decode_code(encode(e));
    ck_assert(de.has_value());
    ck_assert_uint_eq(de->client_id.size(), 3);
    ck_assert(de->client_id == e.client_id);
    ck_assert_std_eq(de->code_challenge, "");
    ck_assert(de->expires_at == 0);
}
END_TEST

START_TEST(tombstone_round_trip)
{
    code_tombstone t{99, std::string(16, '\x80')};
    std::string v = encode(t);
    ck_assert(kind_of(v) == record_kind::code_tombstone);
    auto d = decode_tombstone(v);
    ck_assert(d.has_value());
    ck_assert(d->expires_at == 99);
    ck_assert(d->grant_id == t.grant_id);

    auto empty = decode_tombstone(encode(code_tombstone{5, ""}));
    ck_assert(empty.has_value());
    ck_assert_std_eq(empty->grant_id, "");
}
END_TEST

START_TEST(grant_round_trip)
{
    grant_record g = sample_grant();
    std::string v = encode(g);
    ck_assert(kind_of(v) == record_kind::grant);
    auto d = decode_grant(v);
    ck_assert(d.has_value());
    ck_assert_std_eq(d->client_id, "seam");
    ck_assert_std_eq(d->user_id, "u_1");
    ck_assert_std_eq(d->scope, "");
    ck_assert(d->created_at == 42);
    ck_assert_uint_eq(d->access_tokens.size(), 2);
    ck_assert(d->access_tokens[0].hash == g.access_tokens[0].hash);
    ck_assert(d->access_tokens[0].expires_at == 100);
    ck_assert(d->access_tokens[1].hash == g.access_tokens[1].hash);
    ck_assert(d->access_tokens[1].expires_at == UINT64_MAX);
    ck_assert_uint_eq(d->refresh_tokens.size(), 1);
    ck_assert(d->refresh_tokens[0].hash == g.refresh_tokens[0].hash);
    ck_assert(d->refresh_tokens[0].expires_at == 86400);

    grant_record none;
    auto dn = decode_grant(encode(none));
    ck_assert(dn.has_value());
    ck_assert_uint_eq(dn->access_tokens.size(), 0);
    ck_assert_uint_eq(dn->refresh_tokens.size(), 0);

    /* refresh tokens only: the two lists are not mixed up */
    grant_record only;
    only.refresh_tokens = {{std::string(32, 'a'), 1}, {"b", 2}};
    auto dr = decode_grant(encode(only));
    ck_assert(dr.has_value());
    ck_assert_uint_eq(dr->access_tokens.size(), 0);
    ck_assert_uint_eq(dr->refresh_tokens.size(), 2);
    ck_assert_std_eq(dr->refresh_tokens[1].hash, "b");
    ck_assert(dr->refresh_tokens[1].expires_at == 2);
}
END_TEST

START_TEST(token_round_trip)
{
    access_token_record t = sample_token();
    std::string v = encode(t);
    ck_assert(kind_of(v) == record_kind::access_token);
    auto d = decode_access_token(v);
    ck_assert(d.has_value());
    ck_assert(d->expires_at == 3600);
    ck_assert(d->grant_id == t.grant_id);
    ck_assert_std_eq(d->user_id, "u_1");
    ck_assert_std_eq(d->client_id, "seam");
    ck_assert_std_eq(d->scope, "devices");
}
END_TEST

START_TEST(user_round_trip)
{
    user_record u = sample_user();
    std::string v = encode(u);
    ck_assert(kind_of(v) == record_kind::user);
    auto d = decode_user(v);
    ck_assert(d.has_value());
    ck_assert_std_eq(d->user_id, u.user_id);
    ck_assert_std_eq(d->password_hash, u.password_hash);
    ck_assert(d->created_at == 7);
}
END_TEST

START_TEST(refresh_round_trip)
{
    refresh_token_record r = sample_refresh();
    std::string v = encode(r);
    ck_assert(kind_of(v) == record_kind::refresh_token);
    auto d = decode_refresh_token(v);
    ck_assert(d.has_value());
    ck_assert(d->expires_at == r.expires_at);
    ck_assert(d->grant_id == r.grant_id);
    ck_assert_std_eq(d->client_id, "seam");
    ck_assert(d->rotated_at == 2000);

    /* the current one: rotated_at 0 */
    auto current = decode_refresh_token(
        encode(refresh_token_record{5, "g", "c", 0}));
    ck_assert(current.has_value());
    ck_assert(current->rotated_at == 0);
    ck_assert(current->expires_at == 5);
    ck_assert_std_eq(current->grant_id, "g");
    ck_assert_std_eq(current->client_id, "c");
}
END_TEST

START_TEST(session_round_trip)
{
    session_record r = sample_session();
    std::string v = encode(r);
    ck_assert(kind_of(v) == record_kind::session);
    auto d = decode_session(v);
    ck_assert(d.has_value());
    ck_assert(d->expires_at == 1300);
    ck_assert_std_eq(d->user_id, "u_1");
    ck_assert_std_eq(d->email, "owner@example.com");
    ck_assert(d->auth_time == r.auth_time);

    auto empty = decode_session(encode(session_record{}));
    ck_assert(empty.has_value());
    ck_assert_std_eq(empty->email, "");
    ck_assert(empty->auth_time == 0);
}
END_TEST

START_TEST(wrong_kind_refused)
{
    std::string code = encode(sample_code());
    std::string stone = encode(code_tombstone{1, "g"});
    std::string grant = encode(sample_grant());
    std::string token = encode(sample_token());
    std::string user = encode(sample_user());
    std::string refresh = encode(sample_refresh());
    std::string session = encode(sample_session());

    ck_assert(!decode_code(stone));
    ck_assert(!decode_code(token));
    ck_assert(!decode_tombstone(code));
    ck_assert(!decode_grant(user));
    ck_assert(!decode_access_token(code));
    ck_assert(!decode_access_token(grant));
    ck_assert(!decode_user(token));
    ck_assert(!decode_user(grant));

    /* the two new kinds, against each other and their neighbours */
    ck_assert(!decode_refresh_token(session));
    ck_assert(!decode_refresh_token(token));
    ck_assert(!decode_refresh_token(user));
    ck_assert(!decode_session(refresh));
    ck_assert(!decode_session(user));
    ck_assert(!decode_session(token));
    ck_assert(!decode_access_token(refresh));
    ck_assert(!decode_user(session));
    ck_assert(!decode_grant(refresh));
    ck_assert(!decode_tombstone(session));
    /* both are an integer, two strings, an integer: only the kind byte
     * tells a refresh token from a session */
    std::string relabelled = refresh;
    relabelled[0] = static_cast<char>(record_kind::session);
    ck_assert(!decode_refresh_token(relabelled));
    ck_assert(decode_session(relabelled).has_value());
}
END_TEST

START_TEST(owner_round_trip)
{
    owner_record o{1796140000123, true};
    auto d = decode_owner(encode(o));
    ck_assert(d.has_value());
    ck_assert_uint_eq(d->revoked_at, o.revoked_at);
    ck_assert(d->removed);
    ck_assert(!decode_owner(encode(owner_record{5, false}))->removed);
    /* removed is one bit: any other value is no owner record */
    std::string two = encode(owner_record{5, false});
    two.back() = 2;
    ck_assert(!decode_owner(two));
    ck_assert(!decode_owner(encode(session_record{})));
    ck_assert(!decode_session(encode(o)));
}
END_TEST

START_TEST(kind_of_rejects)
{
    ck_assert(!kind_of(""));
    ck_assert(!kind_of(std::string(1, '\x01')));
    ck_assert(kind_of(std::string("\x01\x02", 2)) == record_kind::code);
    ck_assert(kind_of(std::string("\x05\x02", 2)) == record_kind::user);
    ck_assert(kind_of(std::string("\x06\x02", 2))
              == record_kind::refresh_token);
    ck_assert(kind_of(std::string("\x07\x02", 2)) == record_kind::session);
    ck_assert(kind_of(std::string("\x08\x02", 2)) == record_kind::throttle);
    ck_assert(!kind_of(std::string("\x00\x02", 2)));
    ck_assert(kind_of(std::string("\x09\x02", 2)) == record_kind::owner);
    ck_assert(!kind_of(std::string("\x0a\x02", 2)));
    ck_assert(!kind_of(std::string("\xff\x02", 2)));
    ck_assert(!kind_of(std::string("\x01\x01", 2)));   /* format 1 */
    ck_assert(!kind_of(std::string("\x01\x00", 2)));
}
END_TEST

START_TEST(version_refused)
{
    std::string v = encode(sample_token());
    v[1] = 1;   /* format 1, fixed-width integers, is no longer read */
    ck_assert(!decode_access_token(v));
    ck_assert(!kind_of(v));
}
END_TEST

START_TEST(truncated_refused)
{
    all_prefixes_refused(encode(sample_code()),
                         [](std::string_view v) { return decode_code(v); });
    all_prefixes_refused(encode(code_tombstone{9, "grant"}),
                         [](std::string_view v) {
                             return decode_tombstone(v);
                         });
    all_prefixes_refused(encode(sample_grant()),
                         [](std::string_view v) { return decode_grant(v); });
    all_prefixes_refused(encode(sample_token()),
                         [](std::string_view v) {
                             return decode_access_token(v);
                         });
    all_prefixes_refused(encode(sample_user()),
                         [](std::string_view v) { return decode_user(v); });
    all_prefixes_refused(encode(sample_refresh()),
                         [](std::string_view v) {
                             return decode_refresh_token(v);
                         });
    all_prefixes_refused(encode(sample_session()),
                         [](std::string_view v) {
                             return decode_session(v);
                         });
}
END_TEST

/* LEB128, as records.cpp writes integers (format 2) */
static std::string
varint(uint64_t v)
{
    std::string out;
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
    return out;
}

START_TEST(huge_lengths_refused)
{
    /* a tombstone is: kind, version, varint expires_at, varint length,
     * bytes; a string length of 2^64-1, 2^63 and just over the value's
     * size must be refused */
    std::string head("\x02\x02", 2);
    head += varint(1);
    ck_assert(encode(code_tombstone{1, "abc"}) == head + varint(3) + "abc");
    for (uint64_t len : {UINT64_MAX, uint64_t(1) << 63, uint64_t(4),
                         uint64_t(1) << 16, (uint64_t(1) << 16) + 1})
    {
        std::string bad = head + varint(len) + "abc";
        ck_assert_msg(!decode_tombstone(bad), "length %llu decoded",
                      static_cast<unsigned long long>(len));
    }

    /* a grant claiming 2^64-1 or 2^16+1 access or refresh tokens: the
     * counts are the two varints after created_at, at the end of an
     * empty grant */
    grant_record g;
    g.created_at = 7;
    std::string gv = encode(g);
    ck_assert(gv.substr(gv.size() - 2) == std::string(2, '\0'));
    std::string prefix = gv.substr(0, gv.size() - 2);
    for (uint64_t n : {UINT64_MAX, (uint64_t(1) << 16) + 1, uint64_t(1)}) {
        ck_assert_msg(!decode_grant(prefix + varint(n) + std::string(1, '\0')),
                      "a count of %llu decoded",
                      static_cast<unsigned long long>(n));
        ck_assert_msg(!decode_grant(prefix + std::string(1, '\0') + varint(n)),
                      "a refresh count of %llu decoded",
                      static_cast<unsigned long long>(n));
    }

    /* a varint of eleven bytes, or a tenth byte over 1, is refused */
    std::string over = head.substr(0, 2) + std::string(9, '\xff') + "\x02"
                       + varint(0);
    ck_assert(!decode_tombstone(over));
    std::string padded = head.substr(0, 2) + std::string("\x81\x00", 2)
                         + varint(0);
    ck_assert(!decode_tombstone(padded));
}
END_TEST

START_TEST(corrupted_never_crash)
{
    corruptions_survive(encode(sample_code()),
                        [](std::string_view v) { return decode_code(v); });
    corruptions_survive(encode(code_tombstone{9, "grant"}),
                        [](std::string_view v) {
                            return decode_tombstone(v);
                        });
    corruptions_survive(encode(sample_grant()),
                        [](std::string_view v) { return decode_grant(v); });
    corruptions_survive(encode(sample_token()),
                        [](std::string_view v) {
                            return decode_access_token(v);
                        });
    corruptions_survive(encode(sample_user()),
                        [](std::string_view v) { return decode_user(v); });
    corruptions_survive(encode(sample_refresh()),
                        [](std::string_view v) {
                            return decode_refresh_token(v);
                        });
    corruptions_survive(encode(sample_session()),
                        [](std::string_view v) {
                            return decode_session(v);
                        });
}
END_TEST

/* Every decoder, as the bytes of what it decoded encoded again (nullopt
 * when it refused the value), with the kind it reads. */
template <typename R>
std::optional<std::string>
reencoded(const std::optional<R> &r)
{
    if (!r) {
        return std::nullopt;
    }
    return encode(*r);
}

struct any_decoder {
    record_kind kind;
    const char *name;
    std::optional<std::string> (*decode)(std::string_view);
};

const any_decoder all_decoders[] = {
    {record_kind::code, "code",
     [](std::string_view v) { return reencoded(decode_code(v)); }},
    {record_kind::code_tombstone, "tombstone",
     [](std::string_view v) { return reencoded(decode_tombstone(v)); }},
    {record_kind::grant, "grant",
     [](std::string_view v) { return reencoded(decode_grant(v)); }},
    {record_kind::access_token, "access token",
     [](std::string_view v) { return reencoded(decode_access_token(v)); }},
    {record_kind::user, "user",
     [](std::string_view v) { return reencoded(decode_user(v)); }},
    {record_kind::refresh_token, "refresh token",
     [](std::string_view v) { return reencoded(decode_refresh_token(v)); }},
    {record_kind::session, "session",
     [](std::string_view v) { return reencoded(decode_session(v)); }},
    {record_kind::throttle, "throttle",
     [](std::string_view v) { return reencoded(decode_throttle(v)); }},
    {record_kind::owner, "owner",
     [](std::string_view v) { return reencoded(decode_owner(v)); }},
};

/* What every decoder must make of any value, read where a byte past its
 * end faults: kind_of names its kind byte when the format byte is 2; a
 * decoder refuses every value of another kind; a value it accepts encodes
 * back to exactly its bytes (each read once, none skipped), and no proper
 * prefix of it decodes. Returns how many decoders accepted it (0 or 1). */
int
check_any_value(std::string_view v)
{
    guarded g(v);
    std::optional<record_kind> kind = kind_of(g.view());
    bool ours = v.size() >= 2 && v[1] == 2
                && static_cast<uint8_t>(v[0]) >= 1
                && static_cast<uint8_t>(v[0]) <= 9;
    ck_assert_msg(kind.has_value() == ours, "kind_of(%s): %s",
                  printable(v).c_str(), kind ? "a kind" : "none");
    ck_assert(!kind
              || static_cast<uint8_t>(*kind) == static_cast<uint8_t>(v[0]));

    int accepted = 0;
    for (const any_decoder &d : all_decoders) {
        std::optional<std::string> back = d.decode(g.view());
        if (!back) {
            continue;
        }
        accepted++;
        ck_assert_msg(kind && *kind == d.kind, "%s decoded as a %s",
                      printable(v).c_str(), d.name);
        ck_assert_msg(*back == v, "a %s decoded from %s encodes to %s", d.name,
                      printable(v).c_str(), printable(*back).c_str());
        for (size_t n = 0; n < v.size(); n++) {
            guarded prefix(v.substr(0, n));
            ck_assert_msg(!d.decode(prefix.view()),
                          "a %zu-byte prefix of a %zu-byte %s decoded", n,
                          v.size(), d.name);
        }
    }

    /* the bearer check's no-copy decoder agrees with the copying one */
    access_token_view tv;
    std::optional<access_token_record> at = decode_access_token(g.view());
    ck_assert(decode_access_token(g.view(), tv) == at.has_value());
    if (at) {
        ck_assert(tv.expires_at == at->expires_at && tv.grant_id == at->grant_id
                  && tv.user_id == at->user_id && tv.client_id == at->client_id
                  && tv.scope == at->scope);
    }
    return accepted;
}

/* A linear congruential generator, so a failure is reproducible. */
class lcg {
public:
    uint32_t next()
    {
        x_ = x_ * 1103515245u + 12345u;
        return x_ >> 16;
    }
    uint64_t u64()
    {
        uint64_t v = 0;
        for (int i = 0; i < 4; i++) {
            v = (v << 16) | (next() & 0xffff);
        }
        return v >> (next() % 64);   /* varints of every length */
    }
    std::string bytes(size_t max)
    {
        std::string s(next() % (max + 1), '\0');
        for (char &c : s) {
            c = static_cast<char>(next());
        }
        return s;
    }

private:
    uint32_t x_ = 12345;
};

/* A valid value of kind 1 + k % 9 with pseudo-random fields. */
std::string
random_record(lcg &r, unsigned k)
{
    auto refs = [&r] {
        std::vector<token_ref> v(r.next() % 4);
        for (token_ref &t : v) {
            t = {r.bytes(40), r.u64()};
        }
        return v;
    };
    switch (k % 9) {
    case 0:
        return encode(code_record{r.u64(), r.bytes(8), r.bytes(60), r.bytes(8),
                                  r.bytes(30), r.bytes(43)});
    case 1:
        return encode(code_tombstone{r.u64(), r.bytes(32)});
    case 2: {
        grant_record g{r.bytes(8), r.bytes(8), r.bytes(30), r.u64(), {}, {}};
        g.access_tokens = refs();
        g.refresh_tokens = refs();
        return encode(g);
    }
    case 3:
        return encode(access_token_record{r.u64(), r.bytes(32), r.bytes(8),
                                          r.bytes(8), r.bytes(30)});
    case 4:
        return encode(user_record{r.bytes(34), r.bytes(100), r.u64()});
    case 5:
        return encode(refresh_token_record{r.u64(), r.bytes(32), r.bytes(8),
                                           r.u64()});
    case 6:
        return encode(session_record{r.u64(), r.bytes(34), r.bytes(30),
                                     r.u64()});
    case 7:
        return encode(throttle_record{r.u64(), r.u64(), r.u64(), r.u64()});
    default:
        return encode(owner_record{r.u64(), r.next() % 2 == 1});
    }
}

START_TEST(garbage_never_crash)
{
    lcg r;
    int garbage_decoded = 0, mutants_decoded = 0;
    for (unsigned round = 0; round < 2000; round++) {
        /* pseudo-random bytes of every kind byte and length */
        std::string v;
        size_t len = round % 97;
        for (size_t i = 0; i < len; i++) {
            v.push_back(static_cast<char>(r.next()));
        }
        if (len >= 2) {
            v[0] = static_cast<char>(1 + round % 9);
            v[1] = 2;   /* the current format, so the bodies are read */
        }
        garbage_decoded += check_any_value(v);

        /* a valid record: it decodes, as its own kind only */
        std::string good = random_record(r, round);
        ck_assert_int_eq(check_any_value(good), 1);

        /* and that record cut, extended, with a byte changed, inserted or
         * removed, or relabelled as another kind */
        std::string bad = good;
        size_t at = r.next() % good.size();
        switch (round % 6) {
        case 0:
            bad.resize(at);
            break;
        case 1:
            bad += r.bytes(4).append(1, static_cast<char>(r.next()));
            break;
        case 2:
            bad[at] = static_cast<char>(bad[at] ^ (1 + r.next() % 255));
            break;
        case 3:
            bad.insert(at, 1, static_cast<char>(r.next()));
            break;
        case 4:
            bad.erase(at, 1);
            break;
        default:   /* another of the nine kinds */
            bad[0] = static_cast<char>(1 + (bad[0] + r.next() % 8) % 9);
            break;
        }
        mutants_decoded += check_any_value(bad);
    }
    /* some values other than the valid ones decode, so the round trip and
     * prefix checks above are exercised on them too */
    ck_assert_int_gt(garbage_decoded + mutants_decoded, 0);
}
END_TEST

Suite *
records_suite()
{
    Suite *s = suite_create("records");
    TCase *tc = tcase_create("round_trip");
    tcase_add_test(tc, code_round_trip);
    tcase_add_test(tc, owner_round_trip);
    tcase_add_test(tc, tombstone_round_trip);
    tcase_add_test(tc, grant_round_trip);
    tcase_add_test(tc, token_round_trip);
    tcase_add_test(tc, user_round_trip);
    tcase_add_test(tc, refresh_round_trip);
    tcase_add_test(tc, session_round_trip);
    suite_add_tcase(s, tc);

    tc = tcase_create("malformed");
    tcase_add_test(tc, wrong_kind_refused);
    tcase_add_test(tc, kind_of_rejects);
    tcase_add_test(tc, version_refused);
    tcase_add_test(tc, truncated_refused);
    tcase_add_test(tc, huge_lengths_refused);
    tcase_add_test(tc, corrupted_never_crash);
    tcase_add_test(tc, garbage_never_crash);
    suite_add_tcase(s, tc);
    return s;
}
