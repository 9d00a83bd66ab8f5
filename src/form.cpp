#include "form.h"

#include <algorithm>

namespace seam {

const std::string *
params::get(std::string_view name) const
{
    for (const auto &p : pairs_) {
        if (p.first == name) {
            return &p.second;
        }
    }
    return nullptr;
}

std::string_view
params::value(std::string_view name) const
{
    const std::string *v = get(name);
    return v ? std::string_view(*v) : std::string_view();
}

bool
params::add(std::string name, std::string value)
{
    if (has(name)) {
        return false;
    }
    pairs_.emplace_back(std::move(name), std::move(value));
    return true;
}

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool
form_decode(std::string_view in, std::string &out)
{
    out.clear();
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); i++) {
        char c = in[i];
        if (c == '+') {
            out.push_back(' ');
        } else if (c == '%') {
            if (i + 2 >= in.size()) {
                return false;
            }
            int hi = hex_value(in[i + 1]);
            int lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0) {
                return false;
            }
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return true;
}

form_result
parse_form(std::string_view input, form_limits limits)
{
    form_result r;
    std::vector<std::string> empty_names;
    size_t pos = 0;

    while (pos <= input.size()) {
        size_t amp = input.find('&', pos);
        if (amp == std::string_view::npos) {
            amp = input.size();
        }
        std::string_view piece = input.substr(pos, amp - pos);
        pos = amp + 1;
        if (piece.empty()) {
            continue;
        }

        size_t eq = piece.find('=');
        std::string_view raw_name = piece.substr(0, eq);
        std::string_view raw_value = eq == std::string_view::npos
                                     ? std::string_view()
                                     : piece.substr(eq + 1);
        std::string name, value;
        if (!form_decode(raw_name, name) || !form_decode(raw_value, value)) {
            r.status = form_status::bad_encoding;
            if (name.size() <= limits.max_value) {
                r.name = name;
            }
            return r;
        }
        if (name.find('\0') != std::string::npos
            || value.find('\0') != std::string::npos)
        {
            r.status = form_status::nul_byte;
            return r;
        }
        if (name.size() > limits.max_value || value.size() > limits.max_value)
        {
            r.status = form_status::too_long;
            if (name.size() <= limits.max_value) {
                r.name = name;
            }
            return r;
        }
        if (r.values.has(name)
            || std::find(empty_names.begin(), empty_names.end(), name)
               != empty_names.end())
        {
            r.status = form_status::duplicate;
            r.name = std::move(name);
            return r;
        }
        if (r.values.size() + empty_names.size() >= limits.max_params) {
            r.status = form_status::too_many;
            return r;
        }
        /* RFC 6749 §3.1: "Parameters sent without a value MUST be treated
         * as if they were omitted from the request" */
        if (value.empty()) {
            empty_names.push_back(std::move(name));
            continue;
        }
        r.values.add(std::move(name), std::move(value));
    }
    return r;
}

std::string
percent_encode(std::string_view in)
{
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(in.size() * 3);
    for (unsigned char c : in) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
            || c == '~')
        {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xf]);
        }
    }
    return out;
}

static bool
printable_name(const std::string &name)
{
    if (name.empty() || name.size() > 64) {
        return false;
    }
    for (unsigned char c : name) {
        if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
            return false;
        }
    }
    return true;
}

std::string
describe(const form_result &r)
{
    std::string subject = printable_name(r.name)
                          ? "parameter " + r.name : "a parameter";
    switch (r.status) {
    case form_status::ok: return "";
    case form_status::duplicate: return subject + " given more than once";
    case form_status::bad_encoding: return "malformed percent-encoding";
    case form_status::nul_byte: return "NUL byte in a parameter";
    case form_status::too_many: return "too many parameters";
    case form_status::too_long: return subject + " is too long";
    }
    return "malformed parameters";
}

}  // namespace seam
