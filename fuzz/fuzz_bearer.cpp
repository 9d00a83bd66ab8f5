/*
 * parse_bearer on Authorization header values (RFC 6750 §2.1): a token is
 * only ever a view into the header, made of b64token characters and
 * trailing '=', and the verdict agrees with a plain reading of the
 * grammar "Bearer" SP b64token (one space, scheme case-insensitive).
 */
#include "bearer.h"
#include "scope.h"
#include "fuzz_common.h"

using namespace seam;

namespace {

bool
b64token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
           || c == '~' || c == '+' || c == '/';
}

/* b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
bool
is_b64token(std::string_view t)
{
    size_t i = 0;
    while (i < t.size() && b64token_char(t[i])) {
        i++;
    }
    if (i == 0) {
        return false;
    }
    while (i < t.size() && t[i] == '=') {
        i++;
    }
    return i == t.size();
}

bool
iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

/* The same decision written from the grammar, for a differential. */
bearer_header
reference(std::string_view h, std::string_view &token)
{
    size_t sp = h.find(' ');
    std::string_view scheme = h.substr(0, sp);
    if (!iequals(scheme, "bearer")) {
        return scheme.empty() ? bearer_header::malformed
                              : bearer_header::other_scheme;
    }
    if (sp == std::string_view::npos) {
        return bearer_header::malformed;
    }
    token = h.substr(sp + 1);
    if (!is_b64token(token) || token.size() > 512) {
        return bearer_header::malformed;
    }
    return bearer_header::token;
}

}  // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string_view in = fuzz::bytes(data, size);

    std::string_view token;
    bearer_header verdict = parse_bearer(in, token);
    std::string_view expected_token;
    bearer_header expected = reference(in, expected_token);
    FUZZ_CHECK(verdict == expected, in);
    FUZZ_CHECK(verdict != bearer_header::missing, in);

    if (verdict == bearer_header::token) {
        /* a view into the header, never a copy or a stray pointer */
        FUZZ_CHECK(token.data() >= in.data()
                   && token.data() + token.size() <= in.data() + in.size(),
                   in);
        FUZZ_CHECK(token == expected_token, in);
        FUZZ_CHECK(is_b64token(token), token);
        FUZZ_CHECK(!token.empty() && token.size() <= 512, token);
        FUZZ_CHECK(!fuzz::has_unsafe_byte(token), token);
    }

    std::string_view none;
    FUZZ_CHECK(parse_bearer(std::nullopt, none) == bearer_header::missing,
               "nullopt");

    /* scope lists: a list holds itself and the empty list */
    FUZZ_CHECK(scope_within(in, in), in);
    FUZZ_CHECK(scope_within("", in), in);
    std::string challenge = bearer_challenge("seam-oauth",
                                             oauth_error::invalid_token);
    FUZZ_CHECK(fuzz::starts_with(challenge, "Bearer realm=\"seam-oauth\""),
               challenge);
    return 0;
}
