/*
 * parse_form on query strings and bodies, and the percent-encoding round
 * trip: form_decode(percent_encode(x)) == x for every x.
 */
#include "form.h"
#include "fuzz_common.h"

#include <set>

using namespace seam;

namespace {

bool
unreserved(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
           || c == '~';
}

bool
is_hex_upper(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* What parse_form promises of a successful parse under `limits`. */
void
check_parsed(std::string_view in, const form_result &r,
             const form_limits &limits)
{
    if (r.status != form_status::ok) {
        FUZZ_CHECK(!describe(r).empty(), in);
        return;
    }
    FUZZ_CHECK(describe(r).empty(), in);
    FUZZ_CHECK(r.values.size() <= limits.max_params, in);
    std::set<std::string> names;
    for (const auto &p : r.values.pairs()) {
        FUZZ_CHECK(names.insert(p.first).second, "duplicate " + p.first);
        FUZZ_CHECK(!p.second.empty(), "empty value for " + p.first);
        FUZZ_CHECK(p.first.find('\0') == std::string::npos, p.first);
        FUZZ_CHECK(p.second.find('\0') == std::string::npos, p.second);
        FUZZ_CHECK(p.first.size() <= limits.max_value, p.first);
        FUZZ_CHECK(p.second.size() <= limits.max_value, p.second);
        FUZZ_CHECK(r.values.get(p.first) != nullptr
                   && *r.values.get(p.first) == p.second, p.first);
    }

    /* the pairs, encoded again, parse back to themselves */
    std::string again;
    for (const auto &p : r.values.pairs()) {
        if (!again.empty()) {
            again.push_back('&');
        }
        again += percent_encode(p.first) + "=" + percent_encode(p.second);
    }
    form_result r2 = parse_form(again, limits);
    FUZZ_CHECK(r2.status == form_status::ok, again);
    FUZZ_CHECK(r2.values.pairs() == r.values.pairs(), again);
}

}  // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string_view in = fuzz::bytes(data, size);

    form_limits defaults;
    check_parsed(in, parse_form(in), defaults);
    form_limits tight;
    tight.max_params = 3;
    tight.max_value = 8;
    check_parsed(in, parse_form(in, tight), tight);

    /* percent_encode: only unreserved bytes and %HH, and it decodes back */
    std::string encoded = percent_encode(in);
    for (size_t i = 0; i < encoded.size(); i++) {
        if (encoded[i] == '%') {
            FUZZ_CHECK(i + 2 < encoded.size() && is_hex_upper(encoded[i + 1])
                       && is_hex_upper(encoded[i + 2]), encoded);
            i += 2;
        } else {
            FUZZ_CHECK(unreserved(encoded[i]), encoded);
        }
    }
    std::string decoded;
    FUZZ_CHECK(form_decode(encoded, decoded), encoded);
    FUZZ_CHECK(decoded == in, decoded);

    /* form_decode on raw input: never longer, and stable under a round
     * trip when it succeeds */
    std::string plain;
    if (form_decode(in, plain)) {
        FUZZ_CHECK(plain.size() <= in.size(), plain);
        std::string back;
        FUZZ_CHECK(form_decode(percent_encode(plain), back) && back == plain,
                   plain);
    }
    return 0;
}
