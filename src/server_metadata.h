/*
 * Authorization server metadata (RFC 8414), built from the configuration:
 * where the endpoints are and what they support.
 */
#pragma once

#include "config.h"
#include "http_answer.h"

#include <string>
#include <string_view>

namespace seam {

/* The document for `issuer`, with the endpoints at config.paths. */
http_answer metadata(const oauth_config &config, std::string_view issuer);

}  // namespace seam
