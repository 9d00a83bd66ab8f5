/*
 * ASCII case rules, as HTTP and e-mail comparisons need them: never the
 * locale's, which could fold non-ASCII bytes.
 */
#pragma once

#include <string>
#include <string_view>

namespace seam {

constexpr char
ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string
ascii_lower(std::string_view s)
{
    std::string out(s);
    for (char &c : out) {
        c = ascii_lower(c);
    }
    return out;
}

/* Whether `s` begins with `prefix`, which is given in lower case. */
constexpr bool
ascii_starts_with_ci(std::string_view s, std::string_view prefix)
{
    if (s.size() < prefix.size()) {
        return false;
    }
    for (size_t i = 0; i < prefix.size(); i++) {
        if (ascii_lower(s[i]) != prefix[i]) {
            return false;
        }
    }
    return true;
}

}  // namespace seam
