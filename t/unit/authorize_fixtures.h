/*
 * Fixtures of the tests of pages.h, sign_in.h and authorize_endpoint.h: a
 * configuration as nginx.conf would give it, pages whose templates show
 * every field on one line, and the environment of a request to
 * /authorize on a temporary store.
 */
#pragma once

#include "authorize_endpoint.h"
#include "helpers.h"
#include "pages.h"

#include <optional>
#include <string>
#include <string_view>

/* "seam": Seam's intercom guide, its host pattern and a default scope;
 * "quick": exact redirect, consent=off; "plain": no scopes. */
seam::oauth_config authorize_config();

/* Templates that render "login|FIELD=VALUE|..." (each placeholder of the
 * page, escaped), so a test can read back what a page was given. */
const seam::page_set &authorize_pages();

extern const char *const seam_redirect;   /* registered for "seam" */

/* An /authorize request's environment on its own store. */
struct authorize_fixture {
    authorize_fixture();

    seam::oauth_config config;
    temp_store ts;
    std::string key = std::string(32, 'k');
    seam::authorize_env env;
};

/* The value of header `name`, or nullopt. */
std::optional<std::string> header_of(const seam::http_answer &a,
                                     std::string_view name);
/* The values of every `name` header, in order. */
std::vector<std::string> headers_of(const seam::http_answer &a,
                                    std::string_view name);

/* The value the test template rendered for `field`, or nullopt. */
std::optional<std::string> field_of(const seam::http_answer &a,
                                    std::string_view field);
