#include "authorize_fixtures.h"

using namespace seam;

const char *const seam_redirect =
    "https://x.integrations.getseam.com/cb?session=1";

oauth_config
authorize_config()
{
    oauth_config config;
    auto add = [&](const char *id, std::vector<std::string_view> options) {
        ck_assert_std_eq(add_client(config, id, options), "");
    };
    add("seam", {"secret=s", "name=Seam",
                 "redirect=https://*.integrations.getseam.com/",
                 "scope=devices access_codes", "default_scope=devices",
                 "intercom_guide"});
    add("quick", {"secret=q", "redirect=https://quick.example/cb",
                  "consent=off"});
    add("plain", {"secret=p", "redirect=https://plain.example/cb"});
    config.scope_descriptions["devices"] = "See your devices";
    return config;
}

static page_template
flat(const char *page, const std::vector<std::string> &fields)
{
    std::string text = page;
    for (const std::string &f : fields) {
        text += "|" + f + "={{" + f + "}}";
    }
    std::string error;
    auto t = page_template::parse(text, fields, error);
    ck_assert_msg(t.has_value(), "template: %s", error.c_str());
    return *t;
}

const page_set &
authorize_pages()
{
    static const page_set pages{flat("login", login_page_fields()),
                                flat("consent", consent_page_fields()),
                                flat("error", error_page_fields())};
    return pages;
}

authorize_fixture::authorize_fixture() : config(authorize_config())
{
    env.config = &config;
    env.pages = &authorize_pages();
    env.s = &ts.get();
    env.server_key = key;
    env.now = 1000;
    env.issuer = "https://auth.example.com";
    env.action = "/authorize";
    env.cookies.path = "/authorize";
}

std::vector<std::string>
headers_of(const http_answer &a, std::string_view name)
{
    std::vector<std::string> out;
    for (const auto &h : a.headers) {
        if (h.first == name) {
            out.push_back(h.second);
        }
    }
    return out;
}

std::optional<std::string>
header_of(const http_answer &a, std::string_view name)
{
    auto all = headers_of(a, name);
    if (all.empty()) {
        return std::nullopt;
    }
    return all.front();
}

std::optional<std::string>
field_of(const http_answer &a, std::string_view field)
{
    std::string key = "|" + std::string(field) + "=";
    size_t at = a.body.find(key);
    if (at == std::string::npos) {
        return std::nullopt;
    }
    at += key.size();
    return a.body.substr(at, a.body.find('|', at) - at);
}
