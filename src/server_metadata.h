/*
 * Authorization server metadata (RFC 8414), built from the configuration:
 * where the endpoints are and what they support.
 */
#pragma once

#include "config.h"
#include "token_endpoint.h"

#include <string>
#include <string_view>

namespace seam {

/* The paths of the locations that hold each handler ("" when none). */
struct endpoint_paths {
    std::string authorize;
    std::string token;
    std::string revoke;
    std::string introspect;
};

http_answer metadata(const oauth_config &config, std::string_view issuer,
                     const endpoint_paths &paths);

}  // namespace seam
