/*
 * page_template.h: HTML escaping and the "{{name}}" templates. Run from the
 * repository root (make unit): the last test parses html/login.html and
 * html/error.html.
 */
#include "helpers.h"
#include "page_template.h"
#include "pages.h"
#include "suites.h"

#include <fstream>
#include <sstream>

using namespace seam;

START_TEST(escape)
{
    ck_assert_std_eq(html_escape("\"><script>'&"),
                     "&quot;&gt;&lt;script&gt;&#39;&amp;");
    ck_assert_std_eq(html_escape("plain text 123"), "plain text 123");
    ck_assert_std_eq(html_escape(""), "");
    /* already escaped text is escaped again */
    ck_assert_std_eq(html_escape("&amp;"), "&amp;amp;");
    /* other bytes pass through */
    ck_assert_std_eq(html_escape("\xc3\xa9\n/="), "\xc3\xa9\n/=");
}
END_TEST

START_TEST(parse_rejects)
{
    std::vector<std::string> allowed{"state", "title"};
    std::string error;
    ck_assert(!page_template::parse("<p>{{evil}}</p>", allowed, error));
    ck_assert_contains(error, "evil");
    error.clear();
    ck_assert(!page_template::parse("<p>{{state</p>", allowed, error));
    ck_assert_contains(error, "unclosed");
    error.clear();
    ck_assert(!page_template::parse("{{", allowed, error));
    ck_assert(!error.empty());
    error.clear();
    ck_assert(!page_template::parse("{{state}} {{", allowed, error));
    ck_assert(!error.empty());
    /* names are exact: no spaces, no case folding */
    ck_assert(!page_template::parse("{{ state }}", allowed, error));
    ck_assert(!page_template::parse("{{State}}", allowed, error));
    ck_assert(!page_template::parse("{{}}", allowed, error));
    /* a name not in the login page's list */
    ck_assert(!page_template::parse("{{password}}", login_page_fields(),
                                    error));
    ck_assert(!page_template::parse("{{state}}", error_page_fields(),
                                    error));
}
END_TEST

START_TEST(render_escapes)
{
    std::string error;
    auto t = page_template::parse(
        "<a href=\"{{state}}\">{{title}}</a>{{state}}!", {"state", "title"},
        error);
    ck_assert_msg(t.has_value(), "parse failed: %s", error.c_str());
    std::string out = t->render({{"state", "\"><script>alert('x')</script>"},
                                 {"title", "A & B"}});
    ck_assert_std_eq(out,
                     "<a href=\"&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)"
                     "&lt;/script&gt;\">A &amp; B</a>&quot;&gt;&lt;script&gt;"
                     "alert(&#39;x&#39;)&lt;/script&gt;!");
    ck_assert_not_contains(out, "<script>");

    /* a value that looks like a placeholder stays text */
    out = t->render({{"state", "{{title}}"}, {"title", "T"}});
    ck_assert_std_eq(out, "<a href=\"{{title}}\">T</a>{{title}}!");

    /* missing values are empty */
    out = t->render({});
    ck_assert_std_eq(out, "<a href=\"\"></a>!");
    /* values not in the template are ignored */
    out = t->render({{"other", "x"}, {"title", "T"}});
    ck_assert_std_eq(out, "<a href=\"\">T</a>!");
}
END_TEST

START_TEST(plain_templates)
{
    std::string error;
    auto t = page_template::parse("no placeholders } { }}", {}, error);
    ck_assert(t.has_value());
    ck_assert_std_eq(t->render({}), "no placeholders } { }}");
    t = page_template::parse("", {}, error);
    ck_assert(t.has_value());
    ck_assert_std_eq(t->render({}), "");
    t = page_template::parse("{{title}}{{title}}", {"title"}, error);
    ck_assert(t.has_value());
    ck_assert_std_eq(t->render({{"title", "<"}}), "&lt;&lt;");
}
END_TEST

static std::string
read_file(const char *path)
{
    std::ifstream in(path);
    ck_assert_msg(in.good(), "cannot read %s (run from the repository root)",
                  path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

START_TEST(shipped_templates_parse)
{
    std::string error;
    auto login = page_template::parse(read_file("html/login.html"),
                                      login_page_fields(), error);
    ck_assert_msg(login.has_value(), "html/login.html: %s", error.c_str());
    std::string page = login->render({{"state", "\"><script>x</script>"},
                                      {"client_name", "<b>Seam</b>"}});
    ck_assert_not_contains(page, "<script>x");
    ck_assert_not_contains(page, "<b>Seam");
    ck_assert_contains(page, "&lt;b&gt;Seam&lt;/b&gt;");

    auto err = page_template::parse(read_file("html/error.html"),
                                    error_page_fields(), error);
    ck_assert_msg(err.has_value(), "html/error.html: %s", error.c_str());
    page = err->render({{"title", "T"}, {"message", "<img src=x>"}});
    ck_assert_not_contains(page, "<img");
}
END_TEST

Suite *
page_template_suite()
{
    Suite *s = suite_create("page_template");
    TCase *tc = tcase_create("template");
    tcase_add_test(tc, escape);
    tcase_add_test(tc, parse_rejects);
    tcase_add_test(tc, render_escapes);
    tcase_add_test(tc, plain_templates);
    tcase_add_test(tc, shipped_templates_parse);
    suite_add_tcase(s, tc);
    return s;
}
