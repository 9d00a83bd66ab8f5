/*
 * The template engine of the pages (pages.h): "{{name}}" marks a value,
 * and every value is HTML-escaped when it is put in, so a state or client
 * name can never become markup.
 */
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace seam {

std::string html_escape(std::string_view in);

class page_template {
public:
    /* Splits `text` into literal runs and placeholders; nullopt (with
     * `error` set) for an unclosed "{{" or a name not in `allowed`. */
    static std::optional<page_template>
    parse(std::string_view text, const std::vector<std::string> &allowed,
          std::string &error);

    /* The page with each placeholder replaced by its escaped value (""
     * for a value not given). */
    std::string render(const std::map<std::string, std::string> &values)
        const;

private:
    struct piece {
        bool placeholder;
        std::string text;
    };
    std::vector<piece> pieces_;
};

}  // namespace seam
