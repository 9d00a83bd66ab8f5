#include "secrets.h"
#include "crypto.h"

#include <cstring>
#include <ctime>
#include <stdexcept>

namespace seam {

uint64_t
now_ms()
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000
           + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

/* The time's 6 bytes, big-endian, at `out`. */
static void
put_time(char *out, uint64_t ms)
{
    for (size_t i = 0; i < secret_time_bytes; i++) {
        out[i] = static_cast<char>(ms >> (8 * (secret_time_bytes - 1 - i)));
    }
}

static std::string
time_bytes(uint64_t ms)
{
    std::string out(secret_time_bytes, '\0');
    put_time(out.data(), ms);
    return out;
}

std::string
make_secret(uint64_t issued_ms, std::string_view random)
{
    if (random.size() != secret_random_bytes) {
        throw std::invalid_argument("a secret needs 32 random bytes");
    }
    std::string raw = time_bytes(issued_ms);
    raw.append(random);
    return base64url_encode(raw);
}

std::string
new_secret()
{
    return make_secret(now_ms(), random_bytes(secret_random_bytes));
}

std::string
new_record_id(size_t size)
{
    if (size < secret_time_bytes) {
        throw std::invalid_argument("a record id needs at least 6 bytes");
    }
    return time_bytes(now_ms()) + random_bytes(size - secret_time_bytes);
}

/* The 6 time bytes from the first 8 characters, as one 48-bit number;
 * false when `secret` is not in the format. */
static bool
time_prefix(std::string_view secret, uint64_t &ms)
{
    if (secret.size() != secret_chars) {
        return false;
    }
    ms = 0;
    for (size_t i = 0; i < 8; i++) {
        int v = base64url_value(static_cast<unsigned char>(secret[i]));
        if (v < 0) {
            return false;
        }
        ms = ms << 6 | static_cast<uint64_t>(v);
    }
    return true;
}

record_key
key_of(std::string_view secret)
{
    record_key k;
    uint64_t ms;
    size_t at = 0;
    if (time_prefix(secret, ms)) {
        put_time(k.bytes.data(), ms);
        at = secret_time_bytes;
    }
    digest d = sha256_digest(secret);
    std::memcpy(k.bytes.data() + at, d.data(), d.size());
    k.size = at + d.size();
    return k;
}

std::optional<std::string>
store_secret(store &s, table t, std::string_view record)
{
    std::string secret = new_secret();
    try {
        txn w = s.begin_write();
        w.put(t, key_of(secret).view(), record);
        w.commit();
    } catch (const store_full &) {
        return std::nullopt;
    }
    return secret;
}

static uint64_t
leading_time(std::string_view bytes)
{
    uint64_t ms = 0;
    for (size_t i = 0; i < secret_time_bytes && i < bytes.size(); i++) {
        ms = ms << 8 | static_cast<unsigned char>(bytes[i]);
    }
    return ms;
}

uint64_t
issued_ms(std::string_view key)
{
    return key.size() == secret_time_bytes + 32 ? leading_time(key) : 0;
}

uint64_t
record_id_ms(std::string_view id)
{
    return id.size() > secret_time_bytes ? leading_time(id) : 0;
}

}  // namespace seam
