/*
 * The page templates: the input parsed as a template with the login (and
 * consent, error) field lists, then rendered with the input itself as
 * every value. Values are always escaped: the hostile render holds
 * exactly as many '<', '>', '"' and '\'' as the template's own text, and
 * it is the template with each placeholder replaced by html_escape(value).
 */
#include "fuzz_common.h"
#include "page_template.h"
#include "pages.h"

#include <map>

using namespace seam;

namespace {

size_t
count(std::string_view s, char c)
{
    size_t n = 0;
    for (char x : s) {
        n += x == c;
    }
    return n;
}

std::string
unescape(std::string_view s)
{
    static const std::pair<std::string_view, char> entities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'},
        {"&#39;", '\''},
    };
    std::string out;
    for (size_t i = 0; i < s.size();) {
        bool done = false;
        for (const auto &e : entities) {
            if (s.substr(i, e.first.size()) == e.first) {
                out.push_back(e.second);
                i += e.first.size();
                done = true;
                break;
            }
        }
        if (!done) {
            out.push_back(s[i++]);
        }
    }
    return out;
}

std::map<std::string, std::string>
every_field(const std::vector<std::string> &fields, std::string_view value)
{
    std::map<std::string, std::string> values;
    for (const std::string &f : fields) {
        values[f] = std::string(value);
    }
    return values;
}

/* A byte absent from `s` and left alone by html_escape, or -1. */
int
absent_byte(std::string_view s)
{
    bool seen[256] = {};
    for (char c : s) {
        seen[static_cast<unsigned char>(c)] = true;
    }
    for (int b = 1; b < 256; b++) {
        if (!seen[b] && b != '&' && b != '<' && b != '>' && b != '"'
            && b != '\'')
        {
            return b;
        }
    }
    return -1;
}

void
check_render(const page_template &t, const std::vector<std::string> &fields,
             std::string_view value, std::string_view template_text)
{
    std::string hostile = t.render(every_field(fields, value));
    std::string bare = t.render({});
    for (char c : {'<', '>', '"', '\''}) {
        FUZZ_CHECK(count(hostile, c) == count(bare, c), hostile);
    }

    /* the same page with a marker byte as every value: replacing each
     * marker by the escaped value must give the hostile page exactly */
    int marker = absent_byte(std::string(template_text) + std::string(value));
    if (marker < 0) {
        return;
    }
    std::string marked =
        t.render(every_field(fields, std::string(1, static_cast<char>(marker))));
    std::string expected;
    std::string escaped = html_escape(value);
    for (char c : marked) {
        if (c == static_cast<char>(marker)) {
            expected += escaped;
        } else {
            expected.push_back(c);
        }
    }
    FUZZ_CHECK(expected == hostile, hostile);
}

const char fixed_template[] =
    "<form action=\"{{action}}\"><h1>{{client_name}}</h1>"
    "<input name=\"client_id\" value=\"{{client_id}}\">"
    "<input name='redirect_uri' value='{{redirect_uri}}'>"
    "<input value=\"{{state}}\"><input value=\"{{scope}}\">"
    "<input value=\"{{code_challenge}}\">"
    "<input value=\"{{code_challenge_method}}\">"
    "<input value=\"{{response_type}}\"><input value=\"{{csrf_token}}\">"
    "<input value=\"{{email}}\"><p>{{error}}</p>{{prompt}}</form>";

}  // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string_view in = fuzz::bytes(data, size);

    std::string escaped = html_escape(in);
    FUZZ_CHECK(escaped.find_first_of("<>\"'") == std::string::npos, escaped);
    FUZZ_CHECK(unescape(escaped) == in, escaped);

    for (const auto *fields :
         {&login_page_fields(), &consent_page_fields(), &error_page_fields()})
    {
        std::string error;
        auto t = page_template::parse(in, *fields, error);
        if (!t) {
            FUZZ_CHECK(!error.empty(), in);
            FUZZ_CHECK(in.find("{{") != std::string_view::npos, in);
            continue;
        }
        if (in.find("{{") == std::string_view::npos) {
            FUZZ_CHECK(t->render(every_field(*fields, in)) == in, in);
        }
        check_render(*t, *fields, in, in);
    }

    static const page_template fixed = [] {
        std::string error;
        auto t = page_template::parse(fixed_template, login_page_fields(),
                                      error);
        FUZZ_CHECK(t.has_value(), error);
        return *t;
    }();
    check_render(fixed, login_page_fields(), in, fixed_template);
    return 0;
}
