/*
 * An HTTP response as the core decides it: the adapter copies it into
 * nginx's request and sends it.
 */
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace seam {

struct http_answer {
    int status = 200;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

}  // namespace seam
