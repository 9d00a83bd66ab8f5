
/*
 * The adapter's shared declarations: nginx's C headers (included nowhere
 * else), the module's configuration and per-request types, and what one
 * file of src/ngx/ offers the others. Everything the module decides is
 * decided by the core (src/, no nginx types); the adapter moves bytes
 * between nginx and it.
 */

#ifndef NGX_HTTP_SEAM_OAUTH_H
#define NGX_HTTP_SEAM_OAUTH_H


extern "C" {
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_thread_pool.h>
}

#include "authorize_endpoint.h"
#include "bearer.h"
#include "codes.h"
#include "config.h"
#include "http_answer.h"
#include "metrics.h"
#include "pages.h"
#include "store.h"
#include "token_endpoint.h"

#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>


#if !(NGX_THREADS)
#error ngx_http_seam_oauth_module needs nginx built --with-threads
#endif

#if __cplusplus < 201703L
#error ngx_http_seam_oauth_module is C++17
#endif


#define NGX_HTTP_SEAM_OAUTH_MAX_BODY  16384


extern "C" {
extern ngx_module_t  ngx_http_seam_oauth_module;
}


typedef struct {
    /* every OAuth setting, once, with its defaults (config.h) */
    seam::oauth_config         *oauth;
    /* the seam_oauth_store directive; path "" when there is none */
    seam::store_options        *store;
    /* which seam_oauth_* value directives were given, to refuse twice */
    uint64_t                    given;
    ngx_str_t                   thread_pool_name;
    ngx_thread_pool_t          *thread_pool;
    /* sign-ins (argon2id): their own pool, so that a storm of them takes
     * at most that pool's threads of CPU from the event loops */
    ngx_str_t                   hash_thread_pool_name;
    ngx_thread_pool_t          *hash_thread_pool;
    ngx_msec_t                  sweep_interval;
    ngx_str_t                   login_template;
    ngx_str_t                   consent_template;
    ngx_str_t                   error_template;
    seam::page_set             *pages;
    ngx_int_t                   denial_index;
    /* seam_oauth_metrics: the counters' zone, when a location serves it */
    ngx_shm_zone_t             *metrics_zone;
    /* seam_oauth_audit_log: a file or a syslog server, or neither */
    ngx_open_file_t            *audit_file;
    ngx_syslog_peer_t          *audit_syslog;
    ngx_flag_t                  audit_off;
    ngx_int_t                   request_id_index;
} ngx_http_seam_oauth_main_conf_t;


/* seam_oauth_login_check URI [user_id=FIELD] */
typedef struct {
    ngx_str_t                   uri;
    ngx_str_t                   args;
    ngx_str_t                   field;      /* "user_id" unless named */
} ngx_http_seam_oauth_login_check_t;


typedef struct {
    ngx_flag_t                  bearer;
    /* space-separated; may hold variables, e.g. a map on $request_method */
    ngx_http_complex_value_t   *required_scope;
    /* NULL: the store's own accounts */
    ngx_http_seam_oauth_login_check_t  *login_check;
} ngx_http_seam_oauth_loc_conf_t;


struct ngx_http_seam_oauth_job;

/* What one request learnt: read by the variables; and, for a sign-in
 * whose login check runs, its job (in the sign-in, to resume it; in the
 * subrequest, with `capture`, to keep its answer). */
typedef struct {
    ngx_str_t                   user_id;
    ngx_str_t                   client_id;
    ngx_str_t                   scope;
    ngx_http_seam_oauth_job    *job;
    unsigned                    capture:1;
} ngx_http_seam_oauth_ctx_t;

static_assert(std::is_trivially_destructible<ngx_http_seam_oauth_ctx_t>::value,
              "request ctx lives in the request pool");


/* The worker's store and server key: opened after fork (lmdb.h: one env
 * per process), by init_process. */
typedef struct {
    seam::store                *store;
    std::string                *server_key;
} ngx_http_seam_oauth_worker_t;

extern ngx_http_seam_oauth_worker_t  ngx_http_seam_oauth_worker;


/*
 * Work for a thread-pool thread, owned by the request pool: `work` runs in
 * the thread, then `done` on the event loop builds the answer that is
 * sent. A redemption waits instead in the group commit's queue (thread.cpp)
 * and its result lands in `redeemed`.
 */
struct ngx_http_seam_oauth_job {
    ngx_http_request_t           *request = nullptr;
    void                        (*work)(ngx_http_seam_oauth_job *job) =
                                     nullptr;
    seam::http_answer           (*done)(ngx_http_request_t *r,
                                        ngx_http_seam_oauth_job *job) =
                                     nullptr;
    /* when set, runs before `done`: NGX_DONE when it started more work
     * (the job goes on), NGX_DECLINED to have `done` answer, or a status
     * to finalize the request with */
    ngx_int_t                   (*next)(ngx_http_request_t *r,
                                        ngx_http_seam_oauth_job *job) =
                                     nullptr;
    std::string                   failure;    /* what work threw */
    uint64_t                      now = 0;
    /* for the metrics: when it was posted (a monotonic clock), and what */
    uint64_t                      started_us = 0;
    seam::job_kind                kind = seam::job_kind::commit;
    /* what happened before the work, recorded with its answer */
    std::vector<seam::event>      events;
    /* /authorize */
    seam::authorization_request   authz;
    std::string                   user_id;
    uint64_t                      authorized_ms = 0;
    seam::issued_code             code;
    seam::sign_in_request         sign_in;
    seam::sign_in_result          signed_in;
    bool                          settled = false;  /* signed_in is the
                                                       answer */
    /* the login check: the subrequest's answer, once, then its verdict */
    bool                          answered = false;
    int                           answer_status = 0;
    int                           answer_nginx_status = 0;
    std::string                   answer_body;
    bool                          answer_whole = true;
    bool                          answer_captured = false;
    seam::account_check           checked;
    /* the token endpoint */
    std::string                   throttle_key;
    seam::redemption_request      redeem;
    seam::refresh_request         refresh;
    seam::redemption              redeemed;
    seam::revocation_plan         revocation;
    std::string                   client_id;
    /* sent as it is once the work is done */
    seam::http_answer             answer;
};


/* configuration accessors */

static inline ngx_http_seam_oauth_main_conf_t *
ngx_http_seam_oauth_main_conf(ngx_http_request_t *r)
{
    return static_cast<ngx_http_seam_oauth_main_conf_t *>(
        ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));
}


static inline ngx_http_seam_oauth_main_conf_t *
ngx_http_seam_oauth_cycle_main_conf(ngx_cycle_t *cycle)
{
    return static_cast<ngx_http_seam_oauth_main_conf_t *>(
        ngx_http_cycle_get_module_main_conf(cycle,
                                            ngx_http_seam_oauth_module));
}


static inline ngx_http_seam_oauth_main_conf_t *
ngx_http_seam_oauth_conf_main_conf(ngx_conf_t *cf)
{
    return static_cast<ngx_http_seam_oauth_main_conf_t *>(
        ngx_http_conf_get_module_main_conf(cf, ngx_http_seam_oauth_module));
}


static inline ngx_http_seam_oauth_loc_conf_t *
ngx_http_seam_oauth_loc_conf(ngx_http_request_t *r)
{
    return static_cast<ngx_http_seam_oauth_loc_conf_t *>(
        ngx_http_get_module_loc_conf(r, ngx_http_seam_oauth_module));
}


static inline std::string_view
ngx_http_seam_oauth_view(const ngx_str_t &s)
{
    return std::string_view(reinterpret_cast<const char *>(s.data), s.len);
}


/* C++ objects owned by an nginx pool (as nginx-otel does): constructed in
 * the cleanup's storage, destroyed by its handler; NULL when either
 * fails. */
template <typename T>
static void
ngx_http_seam_oauth_destroy(void *data)
{
    static_cast<T *>(data)->~T();
}


template <typename T>
static T *
ngx_http_seam_oauth_pool_new(ngx_pool_t *pool)
{
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(pool, sizeof(T));
    if (cln == NULL) {
        return NULL;
    }

    try {
        new (cln->data) T();

    } catch (const std::exception &) {
        cln->handler = NULL;
        return NULL;
    }

    cln->handler = ngx_http_seam_oauth_destroy<T>;

    return static_cast<T *>(cln->data);
}


/* ngx_http_seam_oauth_directive.cpp */
char *ngx_http_seam_oauth_store_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_seam_oauth_client_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_seam_oauth_handler_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_seam_oauth_scope_description(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_seam_oauth_require_scope(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_seam_oauth_set_value(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
seam::page_set *ngx_http_seam_oauth_load_pages(ngx_conf_t *cf,
    ngx_http_seam_oauth_main_conf_t *smcf);

/* What ngx_http_seam_oauth_set_value() sets (cmd->post): a field of
 * seam::oauth_config, in seconds or as a number, or a string. */
typedef struct {
    unsigned                    bit;
    enum { seconds, number, text } kind;
    uint64_t seam::oauth_config::*value;
    std::string seam::oauth_config::*string;
} ngx_http_seam_oauth_field_t;

/* ngx_http_seam_oauth_util.cpp: responses and request helpers */
ngx_int_t ngx_http_seam_oauth_send(ngx_http_request_t *r,
    const seam::http_answer &a);
void ngx_http_seam_oauth_log_notes(ngx_log_t *log,
    const seam::http_answer &a);
ngx_int_t ngx_http_seam_oauth_add_header(ngx_http_request_t *r,
    ngx_str_t name, ngx_str_t value);
ngx_table_elt_t *ngx_http_seam_oauth_header_in(ngx_http_request_t *r,
    std::string_view name);
ngx_int_t ngx_http_seam_oauth_start_body(ngx_http_request_t *r,
    ngx_http_client_body_handler_pt handler);
bool ngx_http_seam_oauth_read_body(ngx_http_request_t *r, std::string &body);
std::string_view ngx_http_seam_oauth_cookie(ngx_http_request_t *r,
    std::string_view name);
bool ngx_http_seam_oauth_tls(ngx_http_request_t *r);
std::string ngx_http_seam_oauth_issuer(ngx_http_request_t *r);
std::string_view ngx_http_seam_oauth_address(ngx_http_request_t *r);

/* ngx_http_seam_oauth_thread.cpp: jobs, group commit, the sweep */
ngx_http_seam_oauth_job *ngx_http_seam_oauth_job_new(ngx_http_request_t *r);
ngx_int_t ngx_http_seam_oauth_post_job(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job, bool hashes);
void ngx_http_seam_oauth_post_redeem(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job);
ngx_int_t ngx_http_seam_oauth_thread_init(ngx_cycle_t *cycle);
void ngx_http_seam_oauth_thread_exit(ngx_cycle_t *cycle);

/* ngx_http_seam_oauth_authorize.cpp */
ngx_int_t ngx_http_seam_oauth_authorize_handler(ngx_http_request_t *r);
seam::http_answer ngx_http_seam_oauth_sign_in_done(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job);

/* ngx_http_seam_oauth_login_check.cpp */
char *ngx_http_seam_oauth_login_check_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_seam_oauth_login_check_post(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job);
void ngx_http_seam_oauth_login_check_filters();

/* ngx_http_seam_oauth_token.cpp */
ngx_int_t ngx_http_seam_oauth_token_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_seam_oauth_revoke_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_seam_oauth_introspect_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_seam_oauth_metadata_handler(ngx_http_request_t *r);
seam::http_answer ngx_http_seam_oauth_token_done(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job);

/* ngx_http_seam_oauth_observe.cpp: metrics and the audit log */
char *ngx_http_seam_oauth_metrics_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_seam_oauth_audit_log_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_seam_oauth_observe_init(ngx_conf_t *cf,
    ngx_http_seam_oauth_main_conf_t *smcf);
void ngx_http_seam_oauth_record(ngx_http_request_t *r,
    const std::vector<seam::event> &events);
void ngx_http_seam_oauth_count_bearer(ngx_http_request_t *r,
    const seam::bearer_result &result);
uint64_t ngx_http_seam_oauth_clock_us();
void ngx_http_seam_oauth_observe_job(ngx_cycle_t *cycle, seam::job_kind job,
    uint64_t started_us);
void ngx_http_seam_oauth_observe_batch(ngx_cycle_t *cycle,
    size_t redemptions);
ngx_int_t ngx_http_seam_oauth_metrics_handler(ngx_http_request_t *r);

/* ngx_http_seam_oauth_bearer.cpp */
ngx_int_t ngx_http_seam_oauth_check_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_seam_oauth_access_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_seam_oauth_denied_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_seam_oauth_add_variables(ngx_conf_t *cf);


#endif /* NGX_HTTP_SEAM_OAUTH_H */
