#include "crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <sys/random.h>

#include <cerrno>
#include <stdexcept>

namespace seam {

std::string
random_bytes(size_t n)
{
    /*
     * The kernel's CSPRNG (getrandom(2), which OpenSSL itself seeds from),
     * not RAND_bytes: secrets are also made in nginx's thread-pool threads,
     * and OpenSSL's per-thread DRBG is freed by a thread-exit handler that
     * can run after the exiting worker's OPENSSL_cleanup, crashing it
     * (seen: a worker killed by SIGSEGV in libcrypto at shutdown).
     */
    std::string out(n, '\0');
    size_t done = 0;
    while (done < n) {
        ssize_t got = getrandom(&out[done], n - done, 0);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw std::runtime_error("getrandom failed");
        }
        done += static_cast<size_t>(got);
    }
    return out;
}

/*
 * SHA-256 fetched from the default provider once per process. EVP_sha256()
 * would make every digest fetch it again by name, under a lock: 680 ns of
 * the bearer check's SHA-256 against 220 ns with the fetched one.
 */
static const EVP_MD *
sha256_md()
{
    static EVP_MD *md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (md == nullptr) {
        throw std::runtime_error("EVP_MD_fetch(SHA256) failed");
    }
    return md;
}

digest
sha256_digest(std::string_view data)
{
    digest d;
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(),
                   reinterpret_cast<unsigned char *>(d.data()), &len,
                   sha256_md(), nullptr) != 1)
    {
        throw std::runtime_error("EVP_Digest failed");
    }
    return d;
}

std::string
sha256(std::string_view data)
{
    digest d = sha256_digest(data);
    return std::string(d.data(), d.size());
}

std::string
hmac_sha256(std::string_view key, std::string_view data)
{
    std::string d(32, '\0');
    unsigned int len = 0;
    if (HMAC(sha256_md(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char *>(data.data()),
             data.size(), reinterpret_cast<unsigned char *>(d.data()), &len)
        == nullptr)
    {
        throw std::runtime_error("HMAC failed");
    }
    return d;
}

bool
constant_time_equal(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

static constexpr char b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static constexpr char b64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Each byte's value in an alphabet, or -1: built once, at compile time. */
using b64_values = std::array<signed char, 256>;

static constexpr b64_values
values_of(const char (&alphabet)[65])
{
    b64_values v{};
    for (signed char &x : v) {
        x = -1;
    }
    for (int k = 0; k < 64; k++) {
        v[static_cast<unsigned char>(alphabet[k])] =
            static_cast<signed char>(k);
    }
    return v;
}

static constexpr b64_values b64_std_values = values_of(b64_std);
static constexpr b64_values b64_url_values = values_of(b64_url);

int
base64url_value(unsigned char c)
{
    return b64_url_values[c];
}

static std::string
encode64(std::string_view data, const char *alphabet, bool pad)
{
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    size_t i = 0;
    auto byte = [&](size_t k) {
        return static_cast<unsigned>(static_cast<unsigned char>(data[k]));
    };
    for (; i + 3 <= data.size(); i += 3) {
        unsigned v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
        out.push_back(alphabet[v >> 18 & 63]);
        out.push_back(alphabet[v >> 12 & 63]);
        out.push_back(alphabet[v >> 6 & 63]);
        out.push_back(alphabet[v & 63]);
    }
    size_t rest = data.size() - i;
    if (rest) {
        unsigned v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
        out.push_back(alphabet[v >> 18 & 63]);
        out.push_back(alphabet[v >> 12 & 63]);
        if (rest == 2) {
            out.push_back(alphabet[v >> 6 & 63]);
        }
        if (pad) {
            out.append(rest == 1 ? "==" : "=");
        }
    }
    return out;
}

static std::optional<std::string>
decode64(std::string_view text, const b64_values &values, bool padded)
{
    if (padded) {
        if (text.size() % 4 != 0) {
            return std::nullopt;
        }
        size_t pads = 0;
        while (pads < 2 && pads < text.size()
               && text[text.size() - 1 - pads] == '=')
        {
            pads++;
        }
        text.remove_suffix(pads);
    } else if (text.size() % 4 == 1) {
        return std::nullopt;
    }

    std::string out;
    out.reserve(text.size() * 3 / 4);
    unsigned acc = 0;
    int bits = 0;
    for (unsigned char c : text) {
        int v = values[c];
        if (v < 0) {
            return std::nullopt;
        }
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    /* non-canonical trailing bits mean a mangled value */
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
        return std::nullopt;
    }
    return out;
}

std::string
base64url_encode(std::string_view data)
{
    return encode64(data, b64_url, false);
}

std::optional<std::string>
base64url_decode(std::string_view text)
{
    return decode64(text, b64_url_values, false);
}

std::optional<std::string>
base64_decode(std::string_view text)
{
    return decode64(text, b64_std_values, true);
}

std::string
base64_encode(std::string_view data)
{
    return encode64(data, b64_std, true);
}

std::string
hex_encode(std::string_view data)
{
    static const char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2);
    for (unsigned char c : data) {
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 0xf]);
    }
    return out;
}

std::optional<std::string>
hex_decode(std::string_view hex)
{
    if (hex.size() % 2 != 0) {
        return std::nullopt;
    }
    std::string out;
    for (size_t i = 0; i < hex.size(); i += 2) {
        unsigned v = 0;
        for (size_t j = i; j < i + 2; j++) {
            char c = hex[j];
            v <<= 4;
            if (c >= '0' && c <= '9') {
                v |= static_cast<unsigned>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                v |= static_cast<unsigned>(c - 'a' + 10);
            } else {
                return std::nullopt;
            }
        }
        out.push_back(static_cast<char>(v));
    }
    return out;
}

}  // namespace seam
