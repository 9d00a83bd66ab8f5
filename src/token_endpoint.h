/*
 * POST /oauth/token (RFC 6749 §3.2, §4.1.3, §5): the request is parsed and
 * the client authenticated on the event loop (cheap: a parse and one
 * SHA-256); the redemption itself is a durable LMDB commit and runs in a
 * thread pool; the answer is built from its result.
 */
#pragma once

#include "config.h"
#include "form.h"
#include "codes.h"
#include "http_answer.h"
#include "tokens.h"
#include "oauth_error.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace seam {

struct token_request {
    std::string_view method;
    std::string_view content_type;     /* "" when absent */
    std::string_view body;
    std::optional<std::string_view> authorization;
};

/* A request whose client authenticated (RFC 6749 §2.3): by HTTP Basic or
 * by the body, never both; or the error to send. */
struct authenticated {
    const client_config *client = nullptr;
    params p;
    bool basic = false;
    std::optional<http_answer> error;
    std::string attempted_client;  /* the client_id given, even when wrong */
};

authenticated authenticate_client(const token_request &req,
                                  const oauth_config &config,
                                  std::string_view endpoint);

enum class token_work { none, redeem, refresh };

struct token_plan {
    /* none: `answer` is the error to send; otherwise the store work */
    token_work work = token_work::none;
    http_answer answer;
    std::string attempted_client;  /* for throttling failed authentication */
    redemption_request redeem;
    refresh_request refresh;
};

/* `rotation_key` derives rotated refresh tokens (see refresh_grant). */
token_plan plan_token_request(const token_request &req,
                              const oauth_config &config, uint64_t now,
                              std::string_view rotation_key);

/* RFC 7009: the token to revoke, or the error to send. */
struct revocation_plan {
    bool ready = false;
    http_answer answer;            /* the 200 to send once revoked */
    std::string token;
    std::string client_id;
};

revocation_plan plan_revocation(const token_request &req,
                                const oauth_config &config);

/* RFC 7662, answered from one read transaction. */
http_answer introspect(const token_request &req, const oauth_config &config,
                       store &s, uint64_t now);

http_answer answer_redemption(const redemption &r,
                              const oauth_config &config);

/* An RFC 6749 §5.2 error; `basic` adds the Basic challenge a client that
 * authenticated with HTTP Basic must get with invalid_client. */
http_answer token_error(oauth_error error, std::string_view description,
                        bool basic, std::string_view realm);

/* A JSON object of strings as token request parameters (Seam's guide
 * shows JSON bodies); nullopt for anything else. */
std::optional<params> parse_json_params(std::string_view body);

}  // namespace seam
