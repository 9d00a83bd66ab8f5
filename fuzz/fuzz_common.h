/*
 * Shared by the fuzz targets: a failed invariant prints what broke, with
 * the bytes involved made printable, and aborts so that libFuzzer keeps
 * the input as a crash artifact.
 */
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace fuzz {

/* `s` with every byte outside printable ASCII as \xNN, cut at 400 bytes. */
inline std::string
printable(std::string_view s)
{
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < s.size() && i < 400; i++) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out.push_back(static_cast<char>(c));
        } else {
            out += "\\x";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xf]);
        }
    }
    if (s.size() > 400) {
        out += "...";
    }
    return out;
}

[[noreturn]] inline void
fail(const char *file, int line, const char *cond, std::string_view detail)
{
    std::fprintf(stderr, "\n==FUZZ INVARIANT== %s:%d: %s\n  %s\n", file,
                 line, cond, printable(detail).c_str());
    std::abort();
}

inline std::string_view
bytes(const uint8_t *data, size_t size)
{
    return {reinterpret_cast<const char *>(data), size};
}

/* Whether `s` holds a byte a header or a URI must never carry raw: a C0
 * control, a space, DEL or a non-ASCII byte. */
inline bool
has_unsafe_byte(std::string_view s)
{
    for (char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7f) {
            return true;
        }
    }
    return false;
}

inline bool
starts_with(std::string_view s, std::string_view prefix)
{
    return s.substr(0, prefix.size()) == prefix;
}

inline bool
ends_with(std::string_view s, std::string_view suffix)
{
    return s.size() >= suffix.size()
           && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace fuzz

/* FUZZ_CHECK(condition, detail): `detail` (anything convertible to
 * std::string_view) is printed when the condition fails. */
#define FUZZ_CHECK(cond, detail)                                            \
    do {                                                                    \
        if (!(cond)) {                                                      \
            ::fuzz::fail(__FILE__, __LINE__, #cond, (detail));              \
        }                                                                   \
    } while (0)
