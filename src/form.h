/*
 * application/x-www-form-urlencoded bodies and query strings, parsed
 * strictly: RFC 6749 §3.1 forbids a parameter more than once, so a
 * duplicate is an error, as are bad percent-encoding and NUL bytes; a
 * parameter without a value counts as omitted (also §3.1).
 */
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace seam {

/* Decoded request parameters; each name appears at most once. */
class params {
public:
    /* The value of `name`, or nullptr when absent. */
    const std::string *get(std::string_view name) const;
    /* The value of `name`, or "" when absent. */
    std::string_view value(std::string_view name) const;
    bool has(std::string_view name) const { return get(name) != nullptr; }
    /* Adds a pair; false when `name` is already present. */
    bool add(std::string name, std::string value);
    size_t size() const { return pairs_.size(); }
    const std::vector<std::pair<std::string, std::string>> &pairs() const
    {
        return pairs_;
    }

private:
    std::vector<std::pair<std::string, std::string>> pairs_;
};

enum class form_status {
    ok,
    duplicate,      /* a name given twice */
    bad_encoding,   /* '%' not followed by two hex digits */
    nul_byte,       /* a decoded NUL in a name or value */
    too_many,       /* more parameters than allowed */
    too_long,       /* a name or value over the limit */
};

struct form_result {
    form_status status = form_status::ok;
    std::string name;   /* the offending parameter, where there is one */
    params values;
};

struct form_limits {
    size_t max_params = 64;
    size_t max_value = 4096;
};

form_result parse_form(std::string_view input, form_limits limits = {});

/* Percent-decodes one component ('+' is a space); false on bad encoding. */
bool form_decode(std::string_view in, std::string &out);

/* Percent-encodes everything but RFC 3986 unreserved characters. */
std::string percent_encode(std::string_view in);

/* A short human-readable reason for a parse failure. */
std::string describe(const form_result &r);

}  // namespace seam
