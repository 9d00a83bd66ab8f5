#include "page_template.h"

#include <algorithm>

namespace seam {

std::string
html_escape(std::string_view in)
{
    std::string out;
    out.reserve(in.size());
    for (char c : in) {
        switch (c) {
        case '&': out.append("&amp;"); break;
        case '<': out.append("&lt;"); break;
        case '>': out.append("&gt;"); break;
        case '"': out.append("&quot;"); break;
        case '\'': out.append("&#39;"); break;
        default: out.push_back(c);
        }
    }
    return out;
}

std::optional<page_template>
page_template::parse(std::string_view text,
                     const std::vector<std::string> &allowed,
                     std::string &error)
{
    page_template t;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t open = text.find("{{", pos);
        if (open == std::string_view::npos) {
            t.pieces_.push_back({false, std::string(text.substr(pos))});
            break;
        }
        if (open > pos) {
            t.pieces_.push_back(
                {false, std::string(text.substr(pos, open - pos))});
        }
        size_t close = text.find("}}", open + 2);
        if (close == std::string_view::npos) {
            error = "unclosed \"{{\" in template";
            return std::nullopt;
        }
        std::string name(text.substr(open + 2, close - open - 2));
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
        {
            error = "unknown placeholder \"{{" + name + "}}\" in template";
            return std::nullopt;
        }
        t.pieces_.push_back({true, std::move(name)});
        pos = close + 2;
    }
    return t;
}

std::string
page_template::render(const std::map<std::string, std::string> &values)
    const
{
    std::string out;
    for (const piece &p : pieces_) {
        if (!p.placeholder) {
            out.append(p.text);
            continue;
        }
        auto it = values.find(p.text);
        if (it != values.end()) {
            out.append(html_escape(it->second));
        }
    }
    return out;
}

}  // namespace seam
