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

/*
 * The token endpoint's decision, on the event loop: an answer to send at
 * once; a failed client authentication to count first (a durable write,
 * so in the thread pool: count_client_failure, then send `answer`); or a
 * code to redeem (group commit) or a refresh (thread pool), answered by
 * answer_redemption(). Failed client authentications are counted per
 * client id and address (RFC 6819 §4.4.3.6); while they are locked out,
 * 429 with Retry-After and no secret is checked.
 */
struct token_step {
    enum class next { answer, count_failure, redeem, refresh };
    next what = next::answer;
    http_answer answer;
    std::string throttle_key;      /* count_failure */
    redemption_request redeem;
    refresh_request refresh;
};

/* `server_key` derives rotated refresh tokens (tokens.h); `ip` is the
 * client's address. Reads the store's throttles with its reused reader:
 * event loop only. */
token_step plan_token_request(const token_request &req,
                              const oauth_config &config, store &s,
                              uint64_t now, std::string_view server_key,
                              std::string_view ip);

/* Counts one failed client authentication under `key` (token_step) and
 * returns `answer`, the failure's, to send; a store that cannot be
 * written is noted in it, and the answer stays. */
http_answer count_client_failure(store &s, const oauth_config &config,
                                 std::string_view key, uint64_t now,
                                 http_answer answer);

/* RFC 7009: the token to revoke, or the error to send. */
struct revocation_plan {
    bool ready = false;
    http_answer answer;            /* the 200 to send once revoked */
    std::string token;
    std::string client_id;
};

revocation_plan plan_revocation(const token_request &req,
                                const oauth_config &config);
/* The revocation itself (a durable write): the plan's 200, or 503
 * temporarily_unavailable when the store cannot be written. */
http_answer revoke(store &s, const oauth_config &config,
                   const revocation_plan &plan);

/* RFC 7662, answered from one read transaction. */
http_answer introspect(const token_request &req, const oauth_config &config,
                       store &s, uint64_t now);

/* The answer to a redemption (`refresh` false) or refresh, with a
 * warning for the log when a replay revoked a grant (RFC 6749 §4.1.2,
 * RFC 9700 §4.14). */
http_answer answer_redemption(const redemption &r,
                              const oauth_config &config,
                              std::string_view client_id, bool refresh);

/* An RFC 6749 §5.2 error; `basic` adds the Basic challenge a client that
 * authenticated with HTTP Basic must get with invalid_client. */
http_answer token_error(oauth_error error, std::string_view description,
                        bool basic, std::string_view realm);

/* A JSON object of strings as token request parameters (Seam's guide
 * shows JSON bodies); nullopt for anything else. */
std::optional<params> parse_json_params(std::string_view body);

}  // namespace seam
