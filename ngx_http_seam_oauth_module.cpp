
/*
 * ngx_http_seam_oauth_module: nginx as the OAuth 2.0 authorization server
 * a device cloud needs to connect its customers to Seam.
 *
 * This file is the adapter: directives, configuration, content handlers,
 * request bodies, thread-pool tasks and variables. Every decision is made
 * by the core in src/, which knows nothing of nginx.
 */


extern "C" {
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_thread_pool.h>
}

#include "authorize.h"
#include "bearer.h"
#include "codes.h"
#include "config.h"
#include "crypto.h"
#include "csrf.h"
#include "form.h"
#include "page_template.h"
#include "revocation.h"
#include "server_metadata.h"
#include "sessions.h"
#include "sweep.h"
#include "tokens.h"
#include "password.h"
#include "secrets.h"
#include "store.h"
#include "throttle.h"
#include "token_endpoint.h"
#include "users.h"

#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <type_traits>

#include "seam_oauth_templates.inc"


#if !(NGX_THREADS)
#error ngx_http_seam_oauth_module needs nginx built --with-threads
#endif


#define NGX_HTTP_SEAM_OAUTH_MAX_BODY  16384


typedef struct {
    ngx_str_t                   store_path;
    size_t                      map_size;
    ngx_flag_t                  meta_sync;
    size_t                      grow_step;
    ngx_str_t                   thread_pool_name;
    ngx_thread_pool_t          *thread_pool;
    /* sign-ins (argon2id): their own pool, so that a storm of them takes
     * at most that pool's threads of CPU from the event loops */
    ngx_str_t                   hash_thread_pool_name;
    ngx_thread_pool_t          *hash_thread_pool;
    ngx_msec_t                  sweep_interval;
    time_t                      code_ttl;
    time_t                      token_ttl;
    time_t                      refresh_token_ttl;
    time_t                      refresh_grace;
    time_t                      session_ttl;
    ngx_int_t                   throttle_account;
    ngx_int_t                   throttle_ip;
    ngx_int_t                   throttle_client;
    time_t                      throttle_window;
    time_t                      throttle_max_lockout;
    ngx_str_t                   realm;
    ngx_str_t                   issuer;
    ngx_str_t                   authorize_path;
    ngx_str_t                   token_path;
    ngx_str_t                   revoke_path;
    ngx_str_t                   introspect_path;
    ngx_str_t                   login_template;
    ngx_str_t                   error_template;
    seam::oauth_config         *oauth;
    ngx_str_t                   consent_template;
    seam::page_template        *login_page;
    seam::page_template        *consent_page;
    seam::page_template        *error_page;
    ngx_int_t                   denial_index;
} ngx_http_seam_oauth_main_conf_t;


typedef struct {
    ngx_flag_t                  bearer;
    /* space-separated; may hold variables, e.g. a map on $request_method */
    ngx_http_complex_value_t   *required_scope;
} ngx_http_seam_oauth_loc_conf_t;


/* What one request learnt: read by the variables. */
typedef struct {
    ngx_str_t                   user_id;
    ngx_str_t                   client_id;
    ngx_str_t                   scope;
} ngx_http_seam_oauth_ctx_t;

static_assert(std::is_trivially_destructible<ngx_http_seam_oauth_ctx_t>::value,
              "request ctx lives in the request pool");


/* Work for a thread-pool thread; owned by the request pool. */
struct ngx_http_seam_oauth_job {
    std::function<void()>       work;
    std::string                 failure;
    ngx_int_t                 (*done)(ngx_http_request_t *r,
                                      ngx_http_seam_oauth_job *job);
    /* results */
    seam::authorization_request authz;
    std::string                 email;
    std::string                 password;
    std::string                 code;
    std::string                 user_id;
    std::string                 session;       /* a new session cookie */
    std::string                 ip;
    uint64_t                    retry_after = 0;   /* throttled */
    bool                        signed_in = false;
    bool                        store_full = false;
    std::string                 client_id;
    ngx_http_request_t         *request = nullptr;
    seam::redemption_request    redeem;       /* waiting for a group commit */
    seam::redemption            redeemed;
    seam::http_answer           answer;
};


typedef struct {
    ngx_http_request_t         *request;
    ngx_http_seam_oauth_job    *job;
} ngx_http_seam_oauth_task_ctx_t;


static ngx_int_t ngx_http_seam_oauth_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_seam_oauth_init(ngx_conf_t *cf);
static void *ngx_http_seam_oauth_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_seam_oauth_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_seam_oauth_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_seam_oauth_init_main_conf(ngx_conf_t *cf, void *conf);
static ngx_int_t ngx_http_seam_oauth_init_process(ngx_cycle_t *cycle);
static void ngx_http_seam_oauth_batch_run(void *data, ngx_log_t *log);
static void ngx_http_seam_oauth_batch_done(ngx_event_t *ev);
static void ngx_http_seam_oauth_exit_process(ngx_cycle_t *cycle);

static char *ngx_http_seam_oauth_store_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_seam_oauth_client_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_seam_oauth_handler_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_seam_oauth_scope_description(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_seam_oauth_require_scope(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);

static ngx_int_t ngx_http_seam_oauth_authorize_handler(ngx_http_request_t *r);
static void ngx_http_seam_oauth_login_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_seam_oauth_authorize_done(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job);
static void ngx_http_seam_oauth_job_issue(ngx_http_seam_oauth_job *job,
    seam::store *store, uint64_t now, uint64_t ttl);
static std::string ngx_http_seam_oauth_issuer(ngx_http_request_t *r);
static ngx_int_t ngx_http_seam_oauth_token_handler(ngx_http_request_t *r);
static void ngx_http_seam_oauth_token_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_seam_oauth_token_done(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job);
static ngx_int_t ngx_http_seam_oauth_revoke_handler(ngx_http_request_t *r);
static void ngx_http_seam_oauth_revoke_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_seam_oauth_answer_done(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job);
static ngx_int_t ngx_http_seam_oauth_introspect_handler(
    ngx_http_request_t *r);
static void ngx_http_seam_oauth_introspect_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_seam_oauth_metadata_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_seam_oauth_check_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_seam_oauth_access_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_seam_oauth_denied_handler(ngx_http_request_t *r);

static ngx_int_t ngx_http_seam_oauth_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_seam_oauth_denial_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


/* The store of this worker: opened after fork (lmdb.h), one per process. */
static seam::store  *ngx_http_seam_oauth_store;
static std::string  *ngx_http_seam_oauth_csrf_key;
static ngx_event_t   ngx_http_seam_oauth_sweep_event;


/*
 * Group commit: redemptions wait in the worker's queue, and the batch
 * task's thread takes the whole queue only once it holds the store's write
 * lock. Those that arrive while the previous batch is answered, or while
 * another worker commits, so join the next commit, and one fsync serves
 * them all. One batch in flight per worker; the queue is shared by the
 * event loop and that thread, hence its mutex.
 */
struct ngx_http_seam_oauth_batch {
    std::vector<ngx_http_seam_oauth_job *>  jobs;
    bool                                    taken = false;
    std::vector<seam::redemption>           results;
    std::string                             failure;
};

struct ngx_http_seam_oauth_redeem_queue_t {
    std::mutex                              lock;
    std::vector<ngx_http_seam_oauth_job *>  jobs;
};

static ngx_http_seam_oauth_redeem_queue_t  *ngx_http_seam_oauth_redeem_queue;
static ngx_http_seam_oauth_batch  *ngx_http_seam_oauth_batch_in_flight;
static ngx_thread_task_t  *ngx_http_seam_oauth_batch_task;
static ngx_thread_task_t  *ngx_http_seam_oauth_sweep_task;


static ngx_command_t  ngx_http_seam_oauth_commands[] = {

    { ngx_string("seam_oauth_store"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1234,
      ngx_http_seam_oauth_store_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("seam_oauth_client"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_seam_oauth_client_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("seam_oauth_code_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_main_conf_t, code_ttl),
      NULL },

    { ngx_string("seam_oauth_token_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_main_conf_t, token_ttl),
      NULL },

    { ngx_string("seam_oauth_refresh_token_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_main_conf_t, refresh_token_ttl),
      NULL },

    { ngx_string("seam_oauth_refresh_grace"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_main_conf_t, refresh_grace),
      NULL },

    { ngx_string("seam_oauth_session_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_main_conf_t, session_ttl),
      NULL },

    { ngx_string("seam_oauth_throttle_account"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_main_conf_t, throttle_account),
      NULL },

    { ngx_string("seam_oauth_throttle_ip"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_main_conf_t, throttle_ip),
      NULL },

    { ngx_string("seam_oauth_throttle_client"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_main_conf_t, throttle_client),
      NULL },

    { ngx_string("seam_oauth_throttle_window"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_main_conf_t, throttle_window),
      NULL },

    { ngx_string("seam_oauth_throttle_max_lockout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_main_conf_t, throttle_max_lockout),
      NULL },

    { ngx_string("seam_oauth_issuer"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_main_conf_t, issuer),
      NULL },

    { ngx_string("seam_oauth_scope_description"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_seam_oauth_scope_description,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("seam_oauth_realm"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_main_conf_t, realm),
      NULL },

    { ngx_string("seam_oauth_thread_pool"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_main_conf_t, thread_pool_name),
      NULL },

    { ngx_string("seam_oauth_hash_thread_pool"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_main_conf_t, hash_thread_pool_name),
      NULL },

    { ngx_string("seam_oauth_sweep_interval"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_main_conf_t, sweep_interval),
      NULL },

    { ngx_string("seam_oauth_login_template"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_main_conf_t, login_template),
      NULL },

    { ngx_string("seam_oauth_consent_template"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_main_conf_t, consent_template),
      NULL },

    { ngx_string("seam_oauth_error_template"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_main_conf_t, error_template),
      NULL },

    { ngx_string("seam_oauth_authorize"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_seam_oauth_handler_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) ngx_http_seam_oauth_authorize_handler },

    { ngx_string("seam_oauth_token"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_seam_oauth_handler_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) ngx_http_seam_oauth_token_handler },

    { ngx_string("seam_oauth_revoke"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_seam_oauth_handler_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) ngx_http_seam_oauth_revoke_handler },

    { ngx_string("seam_oauth_introspect"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_seam_oauth_handler_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) ngx_http_seam_oauth_introspect_handler },

    { ngx_string("seam_oauth_metadata"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_seam_oauth_handler_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) ngx_http_seam_oauth_metadata_handler },

    { ngx_string("seam_oauth_bearer"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_loc_conf_t, bearer),
      NULL },

    { ngx_string("seam_oauth_require_scope"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_seam_oauth_require_scope,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("seam_oauth_check"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_seam_oauth_handler_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) ngx_http_seam_oauth_check_handler },

    { ngx_string("seam_oauth_denied"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_seam_oauth_handler_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) ngx_http_seam_oauth_denied_handler },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_seam_oauth_module_ctx = {
    ngx_http_seam_oauth_add_variables,     /* preconfiguration */
    ngx_http_seam_oauth_init,              /* postconfiguration */

    ngx_http_seam_oauth_create_main_conf,  /* create main configuration */
    ngx_http_seam_oauth_init_main_conf,    /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_seam_oauth_create_loc_conf,   /* create location configuration */
    ngx_http_seam_oauth_merge_loc_conf     /* merge location configuration */
};


extern "C" {

ngx_module_t  ngx_http_seam_oauth_module = {
    NGX_MODULE_V1,
    &ngx_http_seam_oauth_module_ctx,       /* module context */
    ngx_http_seam_oauth_commands,          /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_seam_oauth_init_process,      /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_seam_oauth_exit_process,      /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};

}


enum {
    NGX_HTTP_SEAM_OAUTH_VAR_USER_ID,
    NGX_HTTP_SEAM_OAUTH_VAR_CLIENT_ID,
    NGX_HTTP_SEAM_OAUTH_VAR_SCOPE
};


static ngx_http_variable_t  ngx_http_seam_oauth_vars[] = {

    { ngx_string("seam_oauth_user_id"), NULL, ngx_http_seam_oauth_variable,
      NGX_HTTP_SEAM_OAUTH_VAR_USER_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("seam_oauth_client_id"), NULL, ngx_http_seam_oauth_variable,
      NGX_HTTP_SEAM_OAUTH_VAR_CLIENT_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("seam_oauth_scope"), NULL, ngx_http_seam_oauth_variable,
      NGX_HTTP_SEAM_OAUTH_VAR_SCOPE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("seam_oauth_denial"), NULL,
      ngx_http_seam_oauth_denial_variable, 0, 0, 0 },

      ngx_http_null_variable
};


static ngx_str_t  ngx_http_seam_oauth_denial_name =
    ngx_string("seam_oauth_denial");


/* configuration */


template <typename T>
static void
ngx_http_seam_oauth_destroy(void *data)
{
    static_cast<T *>(data)->~T();
}


/* C++ objects owned by an nginx pool (as nginx-otel does): constructed in
 * the cleanup's storage, destroyed by its handler. */
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


static ngx_int_t
ngx_http_seam_oauth_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_seam_oauth_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static void *
ngx_http_seam_oauth_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_pcalloc(cf->pool, sizeof(ngx_http_seam_oauth_main_conf_t)));
    if (smcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     smcf->store_path = { 0, NULL };
     *     smcf->thread_pool_name = { 0, NULL };
     *     smcf->thread_pool = NULL;
     *     smcf->hash_thread_pool_name = { 0, NULL };
     *     smcf->hash_thread_pool = NULL;
     *     smcf->realm = { 0, NULL };
     *     smcf->issuer = { 0, NULL };
     *     smcf->authorize_path = { 0, NULL };
     *     smcf->token_path = { 0, NULL };
     *     smcf->revoke_path = { 0, NULL };
     *     smcf->introspect_path = { 0, NULL };
     *     smcf->login_template = { 0, NULL };
     *     smcf->consent_template = { 0, NULL };
     *     smcf->error_template = { 0, NULL };
     *     smcf->login_page = NULL;
     *     smcf->consent_page = NULL;
     *     smcf->error_page = NULL;
     */

    smcf->map_size = NGX_CONF_UNSET_SIZE;
    smcf->meta_sync = NGX_CONF_UNSET;
    smcf->grow_step = NGX_CONF_UNSET_SIZE;
    smcf->sweep_interval = NGX_CONF_UNSET_MSEC;
    smcf->code_ttl = NGX_CONF_UNSET;
    smcf->token_ttl = NGX_CONF_UNSET;
    smcf->refresh_token_ttl = NGX_CONF_UNSET;
    smcf->refresh_grace = NGX_CONF_UNSET;
    smcf->session_ttl = NGX_CONF_UNSET;
    smcf->throttle_account = NGX_CONF_UNSET;
    smcf->throttle_ip = NGX_CONF_UNSET;
    smcf->throttle_client = NGX_CONF_UNSET;
    smcf->throttle_window = NGX_CONF_UNSET;
    smcf->throttle_max_lockout = NGX_CONF_UNSET;
    smcf->denial_index = NGX_ERROR;

    smcf->oauth = ngx_http_seam_oauth_pool_new<seam::oauth_config>(cf->pool);
    if (smcf->oauth == NULL) {
        return NULL;
    }

    return smcf;
}


static seam::page_template *
ngx_http_seam_oauth_load_template(ngx_conf_t *cf, ngx_str_t *path,
    const char *builtin, const std::vector<std::string> &fields)
{
    std::string           text, error;
    ngx_fd_t              fd;
    ngx_file_info_t       fi;
    seam::page_template  *t;

    if (path->len == 0) {
        text = builtin;

    } else {
        if (ngx_conf_full_name(cf->cycle, path, 1) != NGX_OK) {
            return NULL;
        }

        fd = ngx_open_file(path->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
        if (fd == NGX_INVALID_FILE || ngx_fd_info(fd, &fi) == NGX_FILE_ERROR)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                               "cannot read template \"%V\"", path);
            if (fd != NGX_INVALID_FILE) {
                ngx_close_file(fd);
            }
            return NULL;
        }

        text.resize(ngx_file_size(&fi));
        ssize_t n = ngx_read_fd(fd, &text[0], text.size());
        ngx_close_file(fd);

        if (n != (ssize_t) text.size()) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                               "cannot read template \"%V\"", path);
            return NULL;
        }
    }

    auto parsed = seam::page_template::parse(text, fields, error);
    if (!parsed) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "template %s: %s",
                           path->len ? (char *) path->data : "(built in)",
                           error.c_str());
        return NULL;
    }

    t = ngx_http_seam_oauth_pool_new<seam::page_template>(cf->pool);
    if (t == NULL) {
        return NULL;
    }

    *t = std::move(*parsed);

    return t;
}


static char *
ngx_http_seam_oauth_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_seam_oauth_main_conf_t *smcf =
        static_cast<ngx_http_seam_oauth_main_conf_t *>(conf);

    ngx_conf_init_size_value(smcf->map_size, 1024 * 1024 * 1024);
    ngx_conf_init_value(smcf->meta_sync, 1);
    ngx_conf_init_size_value(smcf->grow_step,
                             seam::store_options().grow_step);
    ngx_conf_init_msec_value(smcf->sweep_interval, 60000);
    ngx_conf_init_value(smcf->code_ttl, 60);
    ngx_conf_init_value(smcf->token_ttl, 3600);
    ngx_conf_init_value(smcf->refresh_token_ttl, 30 * 86400);
    ngx_conf_init_value(smcf->refresh_grace, 60);
    ngx_conf_init_value(smcf->session_ttl, 300);
    ngx_conf_init_value(smcf->throttle_account, 5);
    ngx_conf_init_value(smcf->throttle_ip, 20);
    ngx_conf_init_value(smcf->throttle_client, 10);
    ngx_conf_init_value(smcf->throttle_window, 900);
    ngx_conf_init_value(smcf->throttle_max_lockout, 900);

    if (smcf->realm.len == 0) {
        ngx_str_set(&smcf->realm, "seam-oauth");
    }

    if (smcf->thread_pool_name.len == 0) {
        ngx_str_set(&smcf->thread_pool_name, "default");
    }

    if (smcf->hash_thread_pool_name.len == 0) {
        smcf->hash_thread_pool_name = smcf->thread_pool_name;
    }

    /* RFC 6749 §4.1.2: "A maximum authorization code lifetime of 10
     * minutes is RECOMMENDED" */
    if (smcf->code_ttl < 1 || smcf->code_ttl > 600) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "seam_oauth_code_ttl must be 1s to 10m");
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    if (smcf->token_ttl < 1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "seam_oauth_token_ttl must be positive");
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    if (smcf->refresh_token_ttl < 60 || smcf->session_ttl < 1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "seam_oauth_refresh_token_ttl must be at least "
                           "1m and seam_oauth_session_ttl positive");
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    smcf->oauth->code_ttl = smcf->code_ttl;
    smcf->oauth->access_token_ttl = smcf->token_ttl;
    smcf->oauth->refresh_token_ttl = smcf->refresh_token_ttl;
    smcf->oauth->refresh_grace = smcf->refresh_grace;
    smcf->oauth->session_ttl = smcf->session_ttl;

    if (smcf->throttle_account < 1 || smcf->throttle_ip < 1
        || smcf->throttle_client < 1 || smcf->throttle_window < 1
        || smcf->throttle_max_lockout < 1)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "seam_oauth_throttle_* values must be positive");
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    smcf->oauth->account_throttle = {(uint32_t) smcf->throttle_account,
                                     (uint64_t) smcf->throttle_window,
                                     (uint64_t) smcf->throttle_max_lockout};
    smcf->oauth->ip_throttle = {(uint32_t) smcf->throttle_ip,
                                (uint64_t) smcf->throttle_window,
                                (uint64_t) smcf->throttle_max_lockout};
    smcf->oauth->client_throttle = {(uint32_t) smcf->throttle_client,
                                    (uint64_t) smcf->throttle_window,
                                    (uint64_t) smcf->throttle_max_lockout};
    smcf->oauth->realm.assign((char *) smcf->realm.data, smcf->realm.len);

    smcf->login_page = ngx_http_seam_oauth_load_template(cf,
                           &smcf->login_template, seam_oauth_login_html,
                           seam::login_page_fields());
    smcf->consent_page = ngx_http_seam_oauth_load_template(cf,
                             &smcf->consent_template, seam_oauth_consent_html,
                             seam::consent_page_fields());
    smcf->error_page = ngx_http_seam_oauth_load_template(cf,
                           &smcf->error_template, seam_oauth_error_html,
                           seam::error_page_fields());

    if (smcf->login_page == NULL || smcf->consent_page == NULL
        || smcf->error_page == NULL)
    {
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    if (smcf->store_path.len) {
        smcf->thread_pool = ngx_thread_pool_add(cf, &smcf->thread_pool_name);
        smcf->hash_thread_pool = ngx_thread_pool_add(cf,
                                     &smcf->hash_thread_pool_name);
        if (smcf->thread_pool == NULL || smcf->hash_thread_pool == NULL) {
            return static_cast<char *>(NGX_CONF_ERROR);
        }
    }

    smcf->denial_index = ngx_http_get_variable_index(cf,
                                            &ngx_http_seam_oauth_denial_name);
    if (smcf->denial_index == NGX_ERROR) {
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_seam_oauth_store_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_seam_oauth_main_conf_t *smcf =
        static_cast<ngx_http_seam_oauth_main_conf_t *>(conf);

    ngx_str_t  *value, s;

    if (smcf->store_path.data) {
        return const_cast<char *>("is duplicate");
    }

    value = static_cast<ngx_str_t *>(cf->args->elts);

    smcf->store_path = value[1];

    if (ngx_conf_full_name(cf->cycle, &smcf->store_path, 0) != NGX_OK) {
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    for (ngx_uint_t i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "map_size=", 9) == 0
            && smcf->map_size == NGX_CONF_UNSET_SIZE)
        {
            s.data = value[i].data + 9;
            s.len = value[i].len - 9;

            /* ngx_parse_offset, unlike ngx_parse_size, knows "g" */
            off_t  size = ngx_parse_offset(&s);

            smcf->map_size = (size_t) size;

            if (size == NGX_ERROR || smcf->map_size < 64 * 1024) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid map_size \"%V\"", &s);
                return static_cast<char *>(NGX_CONF_ERROR);
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "sync=", 5) == 0
            && smcf->meta_sync == NGX_CONF_UNSET)
        {
            s.data = value[i].data + 5;
            s.len = value[i].len - 5;

            if (s.len == 4 && ngx_strncmp(s.data, "full", 4) == 0) {
                smcf->meta_sync = 1;

            } else if (s.len == 6 && ngx_strncmp(s.data, "nometa", 6) == 0) {
                smcf->meta_sync = 0;

            } else {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid sync \"%V\" "
                                   "(want \"full\" or \"nometa\")", &s);
                return static_cast<char *>(NGX_CONF_ERROR);
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "grow=", 5) == 0
            && smcf->grow_step == NGX_CONF_UNSET_SIZE)
        {
            s.data = value[i].data + 5;
            s.len = value[i].len - 5;

            off_t  size = ngx_parse_offset(&s);

            /* 0: the file grows as LMDB writes. Above 64m, the commit
             * after a top-up would flush tens of megabytes while every
             * worker's writes wait. */
            if (size == NGX_ERROR
                || (size != 0 && (size < 64 * 1024 || size > 64 * 1024 * 1024)))
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid grow \"%V\" (want 0, or "
                                   "64k to 64m)", &s);
                return static_cast<char *>(NGX_CONF_ERROR);
            }

            smcf->grow_step = (size_t) size;

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid or repeated parameter \"%V\"", &value[i]);
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_seam_oauth_client_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_seam_oauth_main_conf_t *smcf =
        static_cast<ngx_http_seam_oauth_main_conf_t *>(conf);

    ngx_str_t    *value;
    ngx_uint_t    i;
    std::string   error;

    value = static_cast<ngx_str_t *>(cf->args->elts);

    try {
        seam::client_config  client;

        client.id.assign((char *) value[1].data, value[1].len);

        for (i = 2; i < cf->args->nelts; i++) {
            error = seam::configure_client(client,
                        std::string_view((char *) value[i].data,
                                         value[i].len));
            if (!error.empty()) {
                break;
            }
        }

        if (error.empty()) {
            error = seam::finish_client(client);
        }

        if (error.empty() && smcf->oauth->find(client.id) != NULL) {
            error = "client \"" + client.id + "\" is defined twice";
        }

        if (error.empty() && client.intercom_guide
            && smcf->oauth->intercom_guide_client() != NULL)
        {
            error = "only one client can be marked intercom_guide";
        }

        if (error.empty()) {
            if (client.name.empty()) {
                client.name = client.id;
            }
            smcf->oauth->clients.push_back(std::move(client));
        }

    } catch (const std::exception &e) {
        error = e.what();
    }

    if (!error.empty()) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "seam_oauth_client: %s",
                           error.c_str());
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_seam_oauth_handler_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_core_loc_conf_t         *clcf;
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_conf_get_module_main_conf(cf,
                                                  ngx_http_seam_oauth_module));

    if (smcf->store_path.len == 0
        && cmd->post != (void *) ngx_http_seam_oauth_denied_handler)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" needs \"seam_oauth_store\" before it",
                           &cmd->name);
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    clcf = static_cast<ngx_http_core_loc_conf_t *>(
               ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module));

    if (clcf->handler) {
        return const_cast<char *>("is duplicate");
    }

    clcf->handler = reinterpret_cast<ngx_http_handler_pt>(cmd->post);

    /* where each endpoint lives, for the metadata document */
    if (cmd->post == (void *) ngx_http_seam_oauth_authorize_handler) {
        smcf->authorize_path = clcf->name;

    } else if (cmd->post == (void *) ngx_http_seam_oauth_token_handler) {
        smcf->token_path = clcf->name;

    } else if (cmd->post == (void *) ngx_http_seam_oauth_revoke_handler) {
        smcf->revoke_path = clcf->name;

    } else if (cmd->post == (void *) ngx_http_seam_oauth_introspect_handler)
    {
        smcf->introspect_path = clcf->name;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_seam_oauth_scope_description(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_seam_oauth_main_conf_t *smcf =
        static_cast<ngx_http_seam_oauth_main_conf_t *>(conf);

    ngx_str_t  *value = static_cast<ngx_str_t *>(cf->args->elts);

    try {
        smcf->oauth->scope_descriptions[
            std::string((char *) value[1].data, value[1].len)] =
            std::string((char *) value[2].data, value[2].len);

    } catch (const std::exception &e) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", e.what());
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_seam_oauth_require_scope(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_seam_oauth_loc_conf_t *slcf =
        static_cast<ngx_http_seam_oauth_loc_conf_t *>(conf);

    u_char                            *p;
    size_t                             len;
    ngx_str_t                         *value, joined;
    ngx_uint_t                         i;
    ngx_http_compile_complex_value_t   ccv;

    if (slcf->required_scope != NGX_CONF_UNSET_PTR) {
        return const_cast<char *>("is duplicate");
    }

    value = static_cast<ngx_str_t *>(cf->args->elts);

    len = 0;
    for (i = 1; i < cf->args->nelts; i++) {
        len += value[i].len + 1;
    }

    p = static_cast<u_char *>(ngx_pnalloc(cf->pool, len));
    if (p == NULL) {
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    joined.data = p;

    for (i = 1; i < cf->args->nelts; i++) {
        if (i > 1) {
            *p++ = ' ';
        }
        p = ngx_cpymem(p, value[i].data, value[i].len);
    }

    joined.len = p - joined.data;

    slcf->required_scope = static_cast<ngx_http_complex_value_t *>(
        ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t)));
    if (slcf->required_scope == NULL) {
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &joined;
    ccv.complex_value = slcf->required_scope;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_seam_oauth_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_seam_oauth_loc_conf_t  *slcf;

    slcf = static_cast<ngx_http_seam_oauth_loc_conf_t *>(
               ngx_pcalloc(cf->pool, sizeof(ngx_http_seam_oauth_loc_conf_t)));
    if (slcf == NULL) {
        return NULL;
    }

    slcf->bearer = NGX_CONF_UNSET;
    slcf->required_scope = static_cast<ngx_http_complex_value_t *>(
                               NGX_CONF_UNSET_PTR);

    return slcf;
}


static char *
ngx_http_seam_oauth_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_seam_oauth_loc_conf_t *prev =
        static_cast<ngx_http_seam_oauth_loc_conf_t *>(parent);
    ngx_http_seam_oauth_loc_conf_t *conf =
        static_cast<ngx_http_seam_oauth_loc_conf_t *>(child);

    ngx_conf_merge_value(conf->bearer, prev->bearer, 0);
    ngx_conf_merge_ptr_value(conf->required_scope, prev->required_scope,
                             NULL);

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_seam_oauth_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = static_cast<ngx_http_core_main_conf_t *>(
               ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module));

    h = static_cast<ngx_http_handler_pt *>(
            ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers));
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_seam_oauth_access_handler;

    return NGX_OK;
}


/* process life */


static void
ngx_http_seam_oauth_sweep_run(void *data, ngx_log_t *log)
{
    seam::sweep_counts  *counts = static_cast<seam::sweep_counts *>(data);

    try {
        ngx_http_seam_oauth_store->reader_check();
        *counts = seam::sweep_expired(*ngx_http_seam_oauth_store,
                                      (uint64_t) time(NULL));

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, log, 0, "seam_oauth: sweep failed: %s",
                      e.what());
    }
}


static void
ngx_http_seam_oauth_sweep_done(ngx_event_t *ev)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;

    seam::sweep_counts  *counts = static_cast<seam::sweep_counts *>(
                                      ngx_http_seam_oauth_sweep_task->ctx);

    if (seam::any(*counts)) {
        ngx_log_error(NGX_LOG_INFO, ev->log, 0, "seam_oauth: swept %s",
                      seam::describe(*counts).c_str());
    }

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                                   ngx_http_seam_oauth_module));

    if (!ngx_exiting && !ngx_terminate && !ngx_quit) {
        ngx_add_timer(&ngx_http_seam_oauth_sweep_event, smcf->sweep_interval);
    }
}


static void
ngx_http_seam_oauth_sweep_timer(ngx_event_t *ev)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;

    if (ngx_exiting) {
        return;
    }

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                                   ngx_http_seam_oauth_module));

    *static_cast<seam::sweep_counts *>(ngx_http_seam_oauth_sweep_task->ctx) =
        seam::sweep_counts();

    if (ngx_thread_task_post(smcf->thread_pool,
                             ngx_http_seam_oauth_sweep_task)
        != NGX_OK)
    {
        ngx_add_timer(ev, smcf->sweep_interval);
    }
}


static ngx_int_t
ngx_http_seam_oauth_init_process(ngx_cycle_t *cycle)
{
    ngx_thread_task_t                *task;
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_cycle_get_module_main_conf(cycle,
                                                   ngx_http_seam_oauth_module));

    if (smcf == NULL || smcf->store_path.len == 0) {
        return NGX_OK;
    }

    try {
        seam::store_options  options;

        options.path.assign((char *) smcf->store_path.data,
                            smcf->store_path.len);
        options.map_size = smcf->map_size;
        options.meta_sync = smcf->meta_sync;
        options.grow_step = smcf->grow_step;

        ngx_http_seam_oauth_store = new seam::store(options);

        /* the durability in force, as LMDB reports it */
        ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                      "seam_oauth: store \"%V\" open, sync=%s, grow=%uz",
                      &smcf->store_path,
                      ngx_http_seam_oauth_store->meta_sync()
                      ? "full" : "nometa", smcf->grow_step);

        /* the key that binds login forms to their requests: shared by all
         * workers, kept across restarts */
        seam::txn t = ngx_http_seam_oauth_store->begin_write();
        auto key = t.get(seam::table::meta, "csrf_key");
        if (key) {
            ngx_http_seam_oauth_csrf_key = new std::string(*key);
            t.abort();

        } else {
            ngx_http_seam_oauth_csrf_key =
                new std::string(seam::random_bytes(32));
            t.put(seam::table::meta, "csrf_key",
                  *ngx_http_seam_oauth_csrf_key);
            t.commit();
        }

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "seam_oauth: cannot open the store \"%V\": %s",
                      &smcf->store_path, e.what());
        return NGX_ERROR;
    }

    ngx_http_seam_oauth_redeem_queue =
        new ngx_http_seam_oauth_redeem_queue_t();

    ngx_http_seam_oauth_batch_task = ngx_thread_task_alloc(cycle->pool,
                                         sizeof(ngx_http_seam_oauth_batch *));
    if (ngx_http_seam_oauth_batch_task == NULL) {
        return NGX_ERROR;
    }

    ngx_http_seam_oauth_batch_task->handler = ngx_http_seam_oauth_batch_run;
    ngx_http_seam_oauth_batch_task->event.handler =
        ngx_http_seam_oauth_batch_done;
    ngx_http_seam_oauth_batch_task->event.log = cycle->log;

    /* one worker sweeps expired records for all */
    if (ngx_worker != 0 || ngx_process != NGX_PROCESS_WORKER) {
        return NGX_OK;
    }

    task = ngx_thread_task_alloc(cycle->pool, sizeof(seam::sweep_counts));
    if (task == NULL) {
        return NGX_ERROR;
    }

    task->handler = ngx_http_seam_oauth_sweep_run;
    task->event.handler = ngx_http_seam_oauth_sweep_done;
    task->event.data = task;
    task->event.log = cycle->log;

    ngx_http_seam_oauth_sweep_task = task;

    ngx_http_seam_oauth_sweep_event.handler = ngx_http_seam_oauth_sweep_timer;
    ngx_http_seam_oauth_sweep_event.log = cycle->log;
    ngx_http_seam_oauth_sweep_event.data = task;
    ngx_http_seam_oauth_sweep_event.cancelable = 1;

    ngx_add_timer(&ngx_http_seam_oauth_sweep_event, smcf->sweep_interval);

    return NGX_OK;
}


static void
ngx_http_seam_oauth_exit_process(ngx_cycle_t *cycle)
{
    delete ngx_http_seam_oauth_store;
    ngx_http_seam_oauth_store = NULL;

    delete ngx_http_seam_oauth_csrf_key;
    ngx_http_seam_oauth_csrf_key = NULL;

    delete ngx_http_seam_oauth_redeem_queue;
    ngx_http_seam_oauth_redeem_queue = NULL;
}


/* responses */


static ngx_int_t
ngx_http_seam_oauth_add_header(ngx_http_request_t *r, ngx_str_t name,
    ngx_str_t value)
{
    ngx_table_elt_t  *h;

    h = static_cast<ngx_table_elt_t *>(ngx_list_push(&r->headers_out.headers));
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->key = name;
    h->value = value;
    h->hash = 1;

    if (name.len == sizeof("WWW-Authenticate") - 1
        && ngx_strncasecmp(name.data, (u_char *) "WWW-Authenticate",
                           name.len) == 0)
    {
        r->headers_out.www_authenticate = h;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_seam_oauth_send(ngx_http_request_t *r, const seam::http_answer &a)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    /* names and values into the pool: the list outlives `a`, and the log
     * phase may still read it ($sent_http_...) */
    for (const auto &h : a.headers) {
        ngx_str_t  name, value;

        name.len = h.first.size();
        value.len = h.second.size();
        name.data = static_cast<u_char *>(ngx_pnalloc(r->pool,
                                                      name.len + value.len));
        if (name.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        value.data = ngx_cpymem(name.data, h.first.data(), name.len);
        ngx_memcpy(value.data, h.second.data(), value.len);

        if (ngx_http_seam_oauth_add_header(r, name, value) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    r->headers_out.status = a.status;
    r->headers_out.content_length_n = a.body.size();

    r->headers_out.content_type.len = a.content_type.size();
    r->headers_out.content_type.data = static_cast<u_char *>(
        ngx_pnalloc(r->pool, a.content_type.size()));
    if (r->headers_out.content_type.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    ngx_memcpy(r->headers_out.content_type.data, a.content_type.data(),
               a.content_type.size());
    r->headers_out.content_type_len = a.content_type.size();

    if (a.body.empty() || r->method == NGX_HTTP_HEAD) {
        r->header_only = 1;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_create_temp_buf(r->pool, a.body.size());
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->pos, a.body.data(), a.body.size());
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/*
 * RFC 9700 §4.16: no framing; §4.2.4: no referrer to another site. A
 * page's policy is "same-origin", not "no-referrer": under "no-referrer"
 * a browser's form POST carries "Origin: null" (Fetch, "append a request
 * Origin header"), while "same-origin" gives this origin on the POST back
 * to the form and nothing at all to any other site. Redirects out send no
 * referrer. No form-action: Chromium applies it to the redirect that
 * follows the POST, which goes to the client's redirect_uri.
 */
static void
ngx_http_seam_oauth_page_headers(seam::http_answer &a,
    const char *referrer_policy = "same-origin")
{
    a.headers.emplace_back("X-Frame-Options", "DENY");
    a.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; style-src 'unsafe-inline'; "
                           "frame-ancestors 'none'; base-uri 'none'");
    a.headers.emplace_back("Referrer-Policy", referrer_policy);
    a.headers.emplace_back("Cache-Control", "no-store");
    a.headers.emplace_back("X-Content-Type-Options", "nosniff");
}


static ngx_int_t
ngx_http_seam_oauth_error_page(ngx_http_request_t *r, int status,
    const std::string &message)
{
    seam::http_answer                 a;
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    a.status = status;
    a.content_type = "text/html; charset=utf-8";
    a.body = smcf->error_page->render({
        {"title", status == 403 ? "Request refused" : "Cannot continue"},
        {"message", message},
    });
    ngx_http_seam_oauth_page_headers(a);

    return ngx_http_seam_oauth_send(r, a);
}


static ngx_int_t
ngx_http_seam_oauth_redirect(ngx_http_request_t *r,
    const std::string &location, const std::string &cookie)
{
    seam::http_answer  a;

    /* RFC 9700 §4.12: 303, never 307, after the credential POST */
    a.status = NGX_HTTP_SEE_OTHER;
    a.content_type = "text/html; charset=utf-8";
    a.headers.emplace_back("Location", location);
    if (!cookie.empty()) {
        a.headers.emplace_back("Set-Cookie", cookie);
    }
    ngx_http_seam_oauth_page_headers(a, "no-referrer");

    return ngx_http_seam_oauth_send(r, a);
}


/* request helpers */


static std::string_view
ngx_http_seam_oauth_view(const ngx_str_t &s)
{
    return std::string_view((char *) s.data, s.len);
}


static ngx_table_elt_t *
ngx_http_seam_oauth_header_in(ngx_http_request_t *r, const char *name)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;
    size_t            len = ngx_strlen(name);

    part = &r->headers_in.headers.part;
    h = static_cast<ngx_table_elt_t *>(part->elts);

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = static_cast<ngx_table_elt_t *>(part->elts);
            i = 0;
        }

        if (h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
        {
            return &h[i];
        }
    }
}


/* The request body as one string; false when it is over the limit. */
static bool
ngx_http_seam_oauth_read_body(ngx_http_request_t *r, std::string &body)
{
    ngx_chain_t  *cl;
    ngx_buf_t    *b;
    ssize_t       n;

    body.clear();

    if (r->request_body == NULL) {
        return true;
    }

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (b->in_file) {
            size_t  len = b->file_last - b->file_pos;

            if (body.size() + len > NGX_HTTP_SEAM_OAUTH_MAX_BODY) {
                return false;
            }

            size_t  at = body.size();
            body.resize(at + len);
            n = ngx_read_file(b->file, (u_char *) &body[at], len,
                              b->file_pos);
            if (n != (ssize_t) len) {
                return false;
            }

            continue;
        }

        if (body.size() + (b->last - b->pos) > NGX_HTTP_SEAM_OAUTH_MAX_BODY) {
            return false;
        }

        body.append((char *) b->pos, b->last - b->pos);
    }

    return true;
}


static ngx_int_t
ngx_http_seam_oauth_start_body(ngx_http_request_t *r,
    ngx_http_client_body_handler_pt handler)
{
    ngx_int_t  rc;

    if (r->headers_in.content_length_n > NGX_HTTP_SEAM_OAUTH_MAX_BODY) {
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


/* MDB_MAP_FULL: the operator must raise map_size; say so plainly. */
static void
ngx_http_seam_oauth_log_store_full(ngx_http_request_t *r)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "seam_oauth: the store \"%V\" is full (map_size %uz); "
                  "raise map_size in seam_oauth_store",
                  &smcf->store_path, smcf->map_size);
}


/* thread-pool tasks */


static void
ngx_http_seam_oauth_job_cleanup(void *data)
{
    static_cast<ngx_http_seam_oauth_job *>(data)->~ngx_http_seam_oauth_job();
}


static void
ngx_http_seam_oauth_job_run(void *data, ngx_log_t *log)
{
    ngx_http_seam_oauth_task_ctx_t *tc =
        static_cast<ngx_http_seam_oauth_task_ctx_t *>(data);

    try {
        tc->job->work();

    } catch (const std::exception &e) {
        tc->job->failure = e.what();
    }
}


static void
ngx_http_seam_oauth_job_done(ngx_event_t *ev)
{
    ngx_int_t                        rc;
    ngx_connection_t                *c;
    ngx_http_request_t              *r;
    ngx_http_seam_oauth_task_ctx_t  *tc;

    tc = static_cast<ngx_http_seam_oauth_task_ctx_t *>(ev->data);
    r = tc->request;
    c = r->connection;

    ngx_http_set_log_request(c->log, r);

    r->main->blocked--;
    r->aio = 0;

    if (!tc->job->failure.empty()) {
        ngx_log_error(NGX_LOG_ERR, c->log, 0, "seam_oauth: %s",
                      tc->job->failure.c_str());
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;

    } else {
        try {
            rc = tc->job->done(r, tc->job);

        } catch (const std::exception &e) {
            ngx_log_error(NGX_LOG_ERR, c->log, 0, "seam_oauth: %s", e.what());
            rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


static ngx_http_seam_oauth_job *
ngx_http_seam_oauth_job_new(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_seam_oauth_job));
    if (cln == NULL) {
        return NULL;
    }

    new (cln->data) ngx_http_seam_oauth_job();
    cln->handler = ngx_http_seam_oauth_job_cleanup;

    return static_cast<ngx_http_seam_oauth_job *>(cln->data);
}


/* Runs `job->work` in the thread pool (a sign-in's in the hash pool),
 * then `job->done` on the event loop: password hashing and durable
 * commits never block other requests. */
static ngx_int_t
ngx_http_seam_oauth_post_job(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job, bool hashes = false)
{
    ngx_thread_task_t                *task;
    ngx_http_seam_oauth_task_ctx_t   *tc;
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    task = ngx_thread_task_alloc(r->pool,
                                 sizeof(ngx_http_seam_oauth_task_ctx_t));
    if (task == NULL) {
        return NGX_ERROR;
    }

    tc = static_cast<ngx_http_seam_oauth_task_ctx_t *>(task->ctx);
    tc->request = r;
    tc->job = job;

    task->handler = ngx_http_seam_oauth_job_run;
    task->event.handler = ngx_http_seam_oauth_job_done;
    task->event.data = tc;

    if (ngx_thread_task_post(hashes ? smcf->hash_thread_pool
                                    : smcf->thread_pool, task)
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: cannot post a task to thread pool \"%V\"",
                      hashes ? &smcf->hash_thread_pool_name
                             : &smcf->thread_pool_name);
        return NGX_ERROR;
    }

    r->main->blocked++;
    r->aio = 1;

    return NGX_OK;
}


/* group commit of redemptions */


/* Moves the waiting redemptions into `batch`: in the batch's thread once
 * it holds the write lock, or on the event loop when no thread will. */
static void
ngx_http_seam_oauth_batch_take(ngx_http_seam_oauth_batch *batch)
{
    std::lock_guard<std::mutex>  hold(ngx_http_seam_oauth_redeem_queue->lock);

    batch->jobs.swap(ngx_http_seam_oauth_redeem_queue->jobs);
    batch->taken = true;
}


static bool
ngx_http_seam_oauth_redeem_waiting()
{
    std::lock_guard<std::mutex>  hold(ngx_http_seam_oauth_redeem_queue->lock);

    return !ngx_http_seam_oauth_redeem_queue->jobs.empty();
}


static void
ngx_http_seam_oauth_batch_run(void *data, ngx_log_t *log)
{
    ngx_http_seam_oauth_batch  *batch =
        *static_cast<ngx_http_seam_oauth_batch **>(data);

    try {
        batch->results = seam::redeem_codes(*ngx_http_seam_oauth_store,
            [batch](std::vector<seam::redemption_request> &requests) {
                ngx_http_seam_oauth_batch_take(batch);
                requests.reserve(batch->jobs.size());
                for (ngx_http_seam_oauth_job *job : batch->jobs) {
                    requests.push_back(job->redeem);
                }
            });

    } catch (const std::exception &e) {
        batch->failure = e.what();

        /* the write lock was never held: fail what is waiting now rather
         * than leave it for a batch that would fail the same way */
        if (!batch->taken) {
            ngx_http_seam_oauth_batch_take(batch);
        }
    }
}


static void ngx_http_seam_oauth_batch_start(ngx_log_t *log);


static void
ngx_http_seam_oauth_batch_done(ngx_event_t *ev)
{
    size_t                       i;
    ngx_int_t                    rc;
    ngx_connection_t            *c;
    ngx_http_request_t          *r;
    ngx_http_seam_oauth_job     *job;
    ngx_http_seam_oauth_batch   *batch;

    batch = ngx_http_seam_oauth_batch_in_flight;
    ngx_http_seam_oauth_batch_in_flight = NULL;

    /* The redemptions that arrived meanwhile commit while these answers
     * are sent: answering a batch takes the event loop about as long as a
     * commit, and the store would sit idle meanwhile. */
    if (ngx_http_seam_oauth_redeem_waiting()) {
        ngx_http_seam_oauth_batch_start(ev->log);
    }

    for (i = 0; i < batch->jobs.size(); i++) {
        job = batch->jobs[i];
        r = job->request;
        c = r->connection;

        ngx_http_set_log_request(c->log, r);

        r->main->blocked--;
        r->aio = 0;

        /* redeem_codes answers every request it collected */
        if (!batch->failure.empty()) {
            ngx_log_error(NGX_LOG_ERR, c->log, 0, "seam_oauth: %s",
                          batch->failure.c_str());
            rc = NGX_HTTP_INTERNAL_SERVER_ERROR;

        } else {
            try {
                job->redeemed = std::move(batch->results[i]);
                rc = ngx_http_seam_oauth_token_done(r, job);

            } catch (const std::exception &e) {
                ngx_log_error(NGX_LOG_ERR, c->log, 0, "seam_oauth: %s",
                              e.what());
                rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
            }
        }

        /* the request, and the job in its pool, may be gone after this */
        ngx_http_finalize_request(r, rc);
        ngx_http_run_posted_requests(c);
    }

    delete batch;
}


/* Sends a batch task to the thread pool; its thread takes the waiting
 * redemptions once it holds the write lock. */
static void
ngx_http_seam_oauth_batch_start(ngx_log_t *log)
{
    ngx_thread_task_t                *task = ngx_http_seam_oauth_batch_task;
    ngx_http_seam_oauth_batch        *batch;
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                                   ngx_http_seam_oauth_module));

    batch = new ngx_http_seam_oauth_batch();

    *static_cast<ngx_http_seam_oauth_batch **>(task->ctx) = batch;
    ngx_http_seam_oauth_batch_in_flight = batch;

    if (ngx_thread_task_post(smcf->thread_pool, task) != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "seam_oauth: cannot post a task to thread pool \"%V\"",
                      &smcf->thread_pool_name);
        batch->failure = "the thread pool refused the task";
        ngx_http_seam_oauth_batch_take(batch);
        ngx_http_seam_oauth_batch_done(&task->event);
    }
}


/* Queues a redemption for the next group commit. */
static void
ngx_http_seam_oauth_post_redeem(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job)
{
    job->request = r;

    {
        std::lock_guard<std::mutex>  hold(
                                       ngx_http_seam_oauth_redeem_queue->lock);

        ngx_http_seam_oauth_redeem_queue->jobs.push_back(job);
    }

    r->main->blocked++;
    r->aio = 1;

    if (ngx_http_seam_oauth_batch_in_flight == NULL) {
        ngx_http_seam_oauth_batch_start(r->connection->log);
    }
}


/* GET and POST /authorize */


static const ngx_str_t  ngx_http_seam_oauth_csrf_cookie_name =
    ngx_string("seam_oauth_csrf");
static const ngx_str_t  ngx_http_seam_oauth_session_cookie_name =
    ngx_string("seam_oauth_session");


/* A cookie of ours: base64url of the expected length, or "". */
static std::string
ngx_http_seam_oauth_cookie(ngx_http_request_t *r, const ngx_str_t *name,
    size_t len)
{
    ngx_str_t  value;

    if (ngx_http_parse_multi_header_lines(&r->headers_in.cookies,
                                          const_cast<ngx_str_t *>(name),
                                          &value)
        == NGX_DECLINED)
    {
        return "";
    }

    std::string text((char *) value.data, value.len);

    if (text.size() != len || !seam::base64url_decode(text)) {
        return "";
    }

    return text;
}


static std::string
ngx_http_seam_oauth_set_cookie(ngx_http_request_t *r, const ngx_str_t *name,
    const std::string &value, uint64_t max_age, const char *same_site)
{
    std::string  cookie = std::string(ngx_http_seam_oauth_view(*name)) + "="
                          + value + "; Path="
                          + std::string(ngx_http_seam_oauth_view(r->uri))
                          + "; Max-Age=" + std::to_string(max_age)
                          + "; HttpOnly; SameSite=" + same_site;
#if (NGX_HTTP_SSL)
    if (r->connection->ssl) {
        cookie += "; Secure";
    }
#endif

    return cookie;
}


/*
 * The login and consent pages share the hidden fields of the request and
 * the CSRF token, bound to a nonce in an HttpOnly, SameSite=Strict cookie
 * (RFC 6749 §10.12); a nonce the browser already has is kept, so that
 * two tabs do not invalidate each other.
 */
static ngx_int_t
ngx_http_seam_oauth_form_page(ngx_http_request_t *r,
    const seam::page_template &page, const seam::authorization_request &req,
    std::map<std::string, std::string> values,
    const std::string &session_cookie, uint64_t retry_after = 0)
{
    seam::http_answer                 a;
    std::string                       nonce;
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    nonce = ngx_http_seam_oauth_cookie(r,
                &ngx_http_seam_oauth_csrf_cookie_name, 22);
    if (nonce.empty()) {
        nonce = seam::base64url_encode(seam::random_bytes(16));
    }

    std::string  prompt = req.prompt_login ? "login"
                          : req.prompt_consent ? "consent" : "";

    values.insert({
        {"action", std::string(ngx_http_seam_oauth_view(r->uri))},
        {"client_name", req.client->name},
        {"client_id", req.client->id},
        {"redirect_uri", req.redirect_uri},
        {"state", req.state},
        {"scope", req.scope},
        {"code_challenge", req.code_challenge},
        {"code_challenge_method", req.code_challenge.empty() ? "" : "S256"},
        {"response_type", "code"},
        {"prompt", prompt},
        {"scopes", seam::describe_scopes(*smcf->oauth, req.scope)},
        {"csrf_token", seam::csrf_token(*ngx_http_seam_oauth_csrf_key, nonce,
                                        ngx_time(), req)},
    });

    a.status = NGX_HTTP_OK;
    a.content_type = "text/html; charset=utf-8";
    a.body = page.render(values);

    ngx_http_seam_oauth_page_headers(a);

    if (retry_after) {
        a.status = 429;
        a.headers.emplace_back("Retry-After", std::to_string(retry_after));
    }

    a.headers.emplace_back("Set-Cookie",
        ngx_http_seam_oauth_set_cookie(r,
            &ngx_http_seam_oauth_csrf_cookie_name, nonce,
            smcf->oauth->login_form_ttl, "Strict"));

    if (!session_cookie.empty()) {
        a.headers.emplace_back("Set-Cookie", session_cookie);
    }

    return ngx_http_seam_oauth_send(r, a);
}


static ngx_int_t
ngx_http_seam_oauth_login_page(ngx_http_request_t *r,
    const seam::authorization_request &req, const std::string &email,
    const std::string &error)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    return ngx_http_seam_oauth_form_page(r, *smcf->login_page, req,
                                         {{"email", email}, {"error", error}},
                                         "");
}


/* RFC 6585 §4: 429 with Retry-After; the same page whether or not the
 * e-mail exists. */
static ngx_int_t
ngx_http_seam_oauth_throttled_page(ngx_http_request_t *r,
    const seam::authorization_request &req, uint64_t retry_after)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    return ngx_http_seam_oauth_form_page(r, *smcf->login_page, req,
               {{"error", "Too many failed sign-ins. Try again in "
                          + std::to_string(retry_after) + " seconds."}},
               "", retry_after);
}


static ngx_int_t
ngx_http_seam_oauth_consent_page(ngx_http_request_t *r,
    const seam::authorization_request &req, const std::string &email,
    const std::string &session_cookie)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    return ngx_http_seam_oauth_form_page(r, *smcf->consent_page, req,
                                         {{"email", email}}, session_cookie);
}


/* Decides what a parsed authorization request gets, when it is not a
 * page: our own error page or a redirect back to the client. */
static ngx_int_t
ngx_http_seam_oauth_authorization_refused(ngx_http_request_t *r,
    seam::authorization_check &check)
{
    if (check.result == seam::authorization_check::outcome::show_error) {
        return ngx_http_seam_oauth_error_page(r, NGX_HTTP_BAD_REQUEST,
                                              check.message);
    }

    check.request.issuer = ngx_http_seam_oauth_issuer(r);

    return ngx_http_seam_oauth_redirect(r,
               seam::redirect_with_error(check.request, check.error,
                                         check.description), "");
}


/* Issues a code for an owner already signed in, in the thread pool. */
static ngx_int_t
ngx_http_seam_oauth_issue_code(ngx_http_request_t *r,
    const seam::authorization_request &req, const std::string &user_id)
{
    ngx_http_seam_oauth_job          *job;
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    job = ngx_http_seam_oauth_job_new(r);
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    job->authz = req;
    job->user_id = user_id;
    job->signed_in = true;
    job->done = ngx_http_seam_oauth_authorize_done;

    seam::store  *store = ngx_http_seam_oauth_store;
    uint64_t      now = ngx_time();
    uint64_t      ttl = smcf->oauth->code_ttl;

    job->work = [job, store, now, ttl]() {
        ngx_http_seam_oauth_job_issue(job, store, now, ttl);
    };

    if (ngx_http_seam_oauth_post_job(r, job) != NGX_OK) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    return NGX_DONE;
}


static ngx_int_t
ngx_http_seam_oauth_authorize_handler(ngx_http_request_t *r)
{
    ngx_int_t                         rc;
    ngx_http_seam_oauth_main_conf_t  *smcf;

    if (r->method == NGX_HTTP_POST) {
        return ngx_http_seam_oauth_start_body(r,
                                              ngx_http_seam_oauth_login_body);
    }

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        seam::http_answer  a;

        a.status = NGX_HTTP_NOT_ALLOWED;
        a.content_type = "text/plain";
        a.body = "GET or POST\n";
        a.headers.emplace_back("Allow", "GET, POST");
        return ngx_http_seam_oauth_send(r, a);
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    try {
        seam::form_result  q = seam::parse_form(
                                   ngx_http_seam_oauth_view(r->args));

        if (q.status != seam::form_status::ok) {
            /* RFC 6749 §3.1: a parameter twice is refused; with the
             * redirect_uri in doubt, only our own page is safe */
            return ngx_http_seam_oauth_error_page(r, NGX_HTTP_BAD_REQUEST,
                       "The request is malformed: " + seam::describe(q)
                       + ".");
        }

        seam::authorization_check  check =
            seam::check_authorization(q.values, *smcf->oauth);

        if (check.result != seam::authorization_check::outcome::ok) {
            return ngx_http_seam_oauth_authorization_refused(r, check);
        }

        seam::authorization_request  &req = check.request;

        req.issuer = ngx_http_seam_oauth_issuer(r);

        /* a recent sign-in skips the password, unless prompt=login */
        std::optional<seam::session_record>  session;

        if (!req.prompt_login) {
            std::string  cookie = ngx_http_seam_oauth_cookie(r,
                                      &ngx_http_seam_oauth_session_cookie_name,
                                      seam::secret_chars);
            if (!cookie.empty()) {
                session = seam::find_session(*ngx_http_seam_oauth_store,
                                             cookie, ngx_time());
            }
        }

        if (!session) {
            if (req.prompt_none) {
                return ngx_http_seam_oauth_redirect(r,
                           seam::redirect_with_error(req,
                               seam::oauth_error::login_required,
                               "the owner is not signed in"), "");
            }

            return ngx_http_seam_oauth_login_page(r, req, "", "");
        }

        if (seam::needs_consent(req)) {
            if (req.prompt_none) {
                return ngx_http_seam_oauth_redirect(r,
                           seam::redirect_with_error(req,
                               seam::oauth_error::consent_required,
                               "the owner must approve this request"), "");
            }

            return ngx_http_seam_oauth_consent_page(r, req, session->email,
                                                    "");
        }

        rc = ngx_http_seam_oauth_issue_code(r, req, session->user_id);
        if (rc == NGX_DONE) {
            r->main->count++;
        }

        return rc;

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: authorize: %s", e.what());
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
}


/* The thread-pool half of a sign-in: the password (argon2id), then the
 * session and, without consent to ask for, the code. */
static void
ngx_http_seam_oauth_job_sign_in(ngx_http_seam_oauth_job *job,
    seam::store *store, const seam::oauth_config *config, uint64_t now)
{
    /* unknown e-mails are counted alike: nothing tells which exist */
    std::string  account = seam::throttle_key("account",
                               seam::normalize_email(job->email));
    std::string  ip = seam::throttle_key("ip", job->ip);

    job->retry_after = std::max(
        seam::throttle_wait_threaded(*store, account, now),
        seam::throttle_wait_threaded(*store, ip, now));

    if (job->retry_after) {
        return;
    }

    auto user = seam::find_user(*store, job->email);
    bool ok = user ? seam::verify_password(job->password,
                                           user->password_hash)
                   : (seam::verify_password_decoy(job->password), false);

    if (!ok) {
        /* the lock counts from now, after the hash, not from the request */
        uint64_t  done = (uint64_t) time(NULL);

        seam::throttle_failure(*store, account, config->account_throttle,
                               done);
        seam::throttle_failure(*store, ip, config->ip_throttle, done);
        return;
    }

    seam::throttle_reset(*store, account);

    uint64_t  session_ttl = config->session_ttl;
    uint64_t  code_ttl = config->code_ttl;

    job->signed_in = true;
    job->user_id = user->user_id;

    auto session = seam::create_session(*store,
                       {now + session_ttl, user->user_id,
                        seam::normalize_email(job->email), now});
    if (!session) {
        job->store_full = true;
        return;
    }

    job->session = std::move(*session);

    if (!seam::needs_consent(job->authz)) {
        ngx_http_seam_oauth_job_issue(job, store, now, code_ttl);
    }
}


static void
ngx_http_seam_oauth_job_issue(ngx_http_seam_oauth_job *job,
    seam::store *store, uint64_t now, uint64_t ttl)
{
    seam::code_record  code;

    code.client_id = job->authz.client->id;
    code.redirect_uri = job->authz.redirect_uri;
    code.user_id = job->user_id;
    code.scope = job->authz.scope;
    code.code_challenge = job->authz.code_challenge;

    auto issued = seam::issue_code(*store, code, now, ttl);
    if (!issued) {
        job->store_full = true;
        return;
    }

    job->code = std::move(*issued);
}


static void
ngx_http_seam_oauth_login_body(ngx_http_request_t *r)
{
    ngx_int_t                         rc;
    ngx_http_seam_oauth_job          *job;
    ngx_http_seam_oauth_main_conf_t  *smcf;
    std::string                       body;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    try {
        if (!ngx_http_seam_oauth_read_body(r, body)) {
            ngx_http_finalize_request(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE);
            return;
        }

        seam::form_result  f = seam::parse_form(body);

        if (f.status != seam::form_status::ok) {
            rc = ngx_http_seam_oauth_error_page(r, NGX_HTTP_BAD_REQUEST,
                     "The request is malformed: " + seam::describe(f) + ".");
            ngx_http_finalize_request(r, rc);
            return;
        }

        seam::authorization_check  check =
            seam::check_authorization(f.values, *smcf->oauth);

        if (check.result == seam::authorization_check::outcome::show_error) {
            rc = ngx_http_seam_oauth_authorization_refused(r, check);
            ngx_http_finalize_request(r, rc);
            return;
        }

        seam::authorization_request  &req = check.request;

        req.issuer = ngx_http_seam_oauth_issuer(r);

        /* CSRF before any credential is looked at (RFC 6749 §10.12) */
        seam::form_source  source;
        ngx_table_elt_t   *h;

        if ((h = ngx_http_seam_oauth_header_in(r, "Origin"))) {
            source.origin = ngx_http_seam_oauth_view(h->value);
        }
        if ((h = ngx_http_seam_oauth_header_in(r, "Sec-Fetch-Site"))) {
            source.fetch_site = ngx_http_seam_oauth_view(h->value);
        }
        if (r->headers_in.host) {
            source.host = ngx_http_seam_oauth_view(r->headers_in.host->value);
        }
        source.issuer = ngx_http_seam_oauth_view(smcf->issuer);

        bool  forged = seam::judge_form_source(source)
                       == seam::source_verdict::cross_site;

        if (!forged) {
            forged = check.result != seam::authorization_check::outcome::ok
                     || !seam::csrf_valid(*ngx_http_seam_oauth_csrf_key,
                            ngx_http_seam_oauth_cookie(r,
                                &ngx_http_seam_oauth_csrf_cookie_name, 22),
                            f.values.value("csrf_token"), ngx_time(),
                            smcf->oauth->login_form_ttl, req);
        }

        if (forged) {
            rc = ngx_http_seam_oauth_error_page(r, NGX_HTTP_FORBIDDEN,
                     "This form has expired or did not come from this "
                     "site. Go back to the application and start again.");
            ngx_http_finalize_request(r, rc);
            return;
        }

        /* the consent page's answer */
        if (const std::string *decision = f.values.get("decision")) {
            std::string  cookie = ngx_http_seam_oauth_cookie(r,
                                      &ngx_http_seam_oauth_session_cookie_name,
                                      seam::secret_chars);
            auto  session = cookie.empty()
                            ? std::nullopt
                            : seam::find_session(*ngx_http_seam_oauth_store,
                                                 cookie, ngx_time());

            if (!session) {
                rc = ngx_http_seam_oauth_login_page(r, req, "",
                         "Your sign-in has expired. Please sign in again.");

            } else if (*decision == "deny") {
                rc = ngx_http_seam_oauth_redirect(r,
                         seam::redirect_with_error(req,
                             seam::oauth_error::access_denied,
                             "the owner denied the request"), "");

            } else if (*decision == "approve") {
                rc = ngx_http_seam_oauth_issue_code(r, req,
                                                    session->user_id);
                if (rc == NGX_DONE) {
                    return;
                }

            } else {
                rc = ngx_http_seam_oauth_error_page(r, NGX_HTTP_BAD_REQUEST,
                         "The request is malformed: unknown decision.");
            }

            ngx_http_finalize_request(r, rc);
            return;
        }

        std::string  email(f.values.value("email"));
        std::string  password(f.values.value("password"));

        if (!seam::valid_email(email) || password.empty()
            || password.size() > 1024)
        {
            rc = ngx_http_seam_oauth_login_page(r, req, email,
                     "The e-mail or password is incorrect.");
            ngx_http_finalize_request(r, rc);
            return;
        }

        job = ngx_http_seam_oauth_job_new(r);
        if (job == NULL) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        job->authz = req;
        job->email = std::move(email);
        job->password = std::move(password);
        job->ip = std::string(ngx_http_seam_oauth_view(
                                  r->connection->addr_text));
        job->done = ngx_http_seam_oauth_authorize_done;

        seam::store               *store = ngx_http_seam_oauth_store;
        const seam::oauth_config  *config = smcf->oauth;
        uint64_t                   now = ngx_time();

        job->work = [job, store, config, now]() {
            ngx_http_seam_oauth_job_sign_in(job, store, config, now);
        };

        if (ngx_http_seam_oauth_post_job(r, job, true) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_HTTP_SERVICE_UNAVAILABLE);
        }

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: sign-in: %s", e.what());
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
    }
}


static ngx_int_t
ngx_http_seam_oauth_authorize_done(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;
    std::string                       session_cookie;

    if (job->store_full) {
        ngx_http_seam_oauth_log_store_full(r);

        return ngx_http_seam_oauth_error_page(r,
                   NGX_HTTP_SERVICE_UNAVAILABLE,
                   "Sign-in is temporarily unavailable. Try again later.");
    }

    if (job->retry_after) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "seam_oauth: sign-in throttled for %uL s after "
                      "repeated failures", job->retry_after);

        return ngx_http_seam_oauth_throttled_page(r, job->authz,
                                                  job->retry_after);
    }

    if (!job->signed_in) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "seam_oauth: failed sign-in for client \"%s\"",
                      job->authz.client->id.c_str());

        return ngx_http_seam_oauth_login_page(r, job->authz, job->email,
                   "The e-mail or password is incorrect.");
    }

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    /* the sign-in is remembered briefly: SameSite=Lax, as the next
     * authorization arrives by a top-level navigation from the client */
    if (!job->session.empty()) {
        session_cookie = ngx_http_seam_oauth_set_cookie(r,
                             &ngx_http_seam_oauth_session_cookie_name,
                             job->session, smcf->oauth->session_ttl, "Lax");
    }

    if (job->code.empty()) {
        return ngx_http_seam_oauth_consent_page(r, job->authz,
                   seam::normalize_email(job->email), session_cookie);
    }

    return ngx_http_seam_oauth_redirect(r,
               seam::redirect_with_code(job->authz, job->code),
               session_cookie);
}


/* POST /oauth/token, revocation and introspection */


/* The core's view of a client's POST; false when the body is too large. */
static bool
ngx_http_seam_oauth_client_request(ngx_http_request_t *r, std::string &body,
    seam::token_request &req)
{
    if (!ngx_http_seam_oauth_read_body(r, body)) {
        return false;
    }

    req.method = "POST";
    req.body = body;

    if (r->headers_in.content_type) {
        req.content_type =
            ngx_http_seam_oauth_view(r->headers_in.content_type->value);
    }

    if (r->headers_in.authorization) {
        req.authorization =
            ngx_http_seam_oauth_view(r->headers_in.authorization->value);
    }

    return true;
}


/* Sends an answer the core decided without store work, logging failed
 * client authentications (a 401) for the operator. */
static void
ngx_http_seam_oauth_client_answer(ngx_http_request_t *r,
    const seam::http_answer &answer)
{
    if (answer.status == NGX_HTTP_UNAUTHORIZED) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "seam_oauth: client authentication failed");
    }

    ngx_http_finalize_request(r, ngx_http_seam_oauth_send(r, answer));
}


/* The content handler shared by the endpoints clients POST to: anything
 * but POST gets 405 with Allow: POST. */
static ngx_int_t
ngx_http_seam_oauth_client_endpoint(ngx_http_request_t *r,
    ngx_http_client_body_handler_pt body_handler)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;

    if (r->method == NGX_HTTP_POST) {
        return ngx_http_seam_oauth_start_body(r, body_handler);
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    try {
        seam::token_request  req;

        req.method = ngx_http_seam_oauth_view(r->method_name);

        return ngx_http_seam_oauth_send(r,
                   *seam::authenticate_client(req, *smcf->oauth,
                                              "this endpoint").error);

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: %s", e.what());
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
}


static ngx_int_t
ngx_http_seam_oauth_token_handler(ngx_http_request_t *r)
{
    return ngx_http_seam_oauth_client_endpoint(r,
                                               ngx_http_seam_oauth_token_body);
}


static void
ngx_http_seam_oauth_token_body(ngx_http_request_t *r)
{
    ngx_http_seam_oauth_job          *job;
    ngx_http_seam_oauth_main_conf_t  *smcf;
    std::string                       body;
    seam::token_request               req;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    try {
        if (!ngx_http_seam_oauth_client_request(r, body, req)) {
            ngx_http_finalize_request(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE);
            return;
        }

        seam::token_plan  plan = seam::plan_token_request(req, *smcf->oauth,
                                     ngx_time(),
                                     *ngx_http_seam_oauth_csrf_key);

        /* failed client authentications, per client id and address */
        std::string  throttle;

        if (!plan.attempted_client.empty()) {
            throttle = seam::throttle_key("client", plan.attempted_client
                           + '\0' + std::string(ngx_http_seam_oauth_view(
                                                 r->connection->addr_text)));

            uint64_t  wait = seam::throttle_wait(*ngx_http_seam_oauth_store,
                                                 throttle, ngx_time());
            if (wait) {
                seam::http_answer  a = seam::token_error(
                    seam::oauth_error::invalid_client,
                    "too many failed client authentications",
                    false, smcf->oauth->realm);

                a.status = 429;
                a.headers.emplace_back("Retry-After", std::to_string(wait));
                ngx_http_seam_oauth_client_answer(r, a);
                return;
            }
        }

        if (plan.work == seam::token_work::none) {
            if (plan.answer.status != NGX_HTTP_UNAUTHORIZED
                || throttle.empty())
            {
                ngx_http_seam_oauth_client_answer(r, plan.answer);
                return;
            }

            /* count the failure (a durable write), then answer */
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "seam_oauth: client authentication failed");

            job = ngx_http_seam_oauth_job_new(r);
            if (job == NULL) {
                ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
                return;
            }

            job->answer = std::move(plan.answer);
            job->done = ngx_http_seam_oauth_answer_done;

            seam::store               *store = ngx_http_seam_oauth_store;
            const seam::oauth_config  *config = smcf->oauth;
            uint64_t                   now = ngx_time();

            job->work = [store, config, now, key = std::move(throttle)]() {
                seam::throttle_failure(*store, key, config->client_throttle,
                                       now);
            };

            if (ngx_http_seam_oauth_post_job(r, job) != NGX_OK) {
                ngx_http_finalize_request(r, ngx_http_seam_oauth_send(r,
                                                 job->answer));
            }

            return;
        }

        job = ngx_http_seam_oauth_job_new(r);
        if (job == NULL) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        job->done = ngx_http_seam_oauth_token_done;
        job->client_id = plan.work == seam::token_work::redeem
                         ? plan.redeem.client_id : plan.refresh.client_id;

        if (plan.work == seam::token_work::redeem) {
            job->redeem = std::move(plan.redeem);
            ngx_http_seam_oauth_post_redeem(r, job);
            return;
        }

        seam::store  *store = ngx_http_seam_oauth_store;

        job->work = [job, store, r = std::move(plan.refresh)]() {
            job->redeemed = seam::refresh_grant(*store, r);
        };

        if (ngx_http_seam_oauth_post_job(r, job) != NGX_OK) {
            ngx_http_finalize_request(r, ngx_http_seam_oauth_send(r,
                seam::token_error(seam::oauth_error::temporarily_unavailable,
                                  "", false, smcf->oauth->realm)));
        }

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: token: %s", e.what());
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
    }
}


static ngx_int_t
ngx_http_seam_oauth_token_done(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    if (job->redeemed.store_full) {
        ngx_http_seam_oauth_log_store_full(r);
    }

    if (job->redeemed.replay) {
        /* RFC 6749 §4.1.2, RFC 9700 §4.14: a reused code or refresh
         * token revokes what was issued from it */
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "seam_oauth: %s reused by client \"%s\": its grant "
                      "was revoked", job->redeemed.description.c_str(),
                      job->client_id.c_str());
    }

    return ngx_http_seam_oauth_send(r,
               seam::answer_redemption(job->redeemed, *smcf->oauth));
}


static ngx_int_t
ngx_http_seam_oauth_revoke_handler(ngx_http_request_t *r)
{
    return ngx_http_seam_oauth_client_endpoint(r,
                                               ngx_http_seam_oauth_revoke_body);
}


static void
ngx_http_seam_oauth_revoke_body(ngx_http_request_t *r)
{
    ngx_http_seam_oauth_job          *job;
    ngx_http_seam_oauth_main_conf_t  *smcf;
    std::string                       body;
    seam::token_request               req;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    try {
        if (!ngx_http_seam_oauth_client_request(r, body, req)) {
            ngx_http_finalize_request(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE);
            return;
        }

        seam::revocation_plan  plan = seam::plan_revocation(req,
                                                            *smcf->oauth);

        if (!plan.ready) {
            ngx_http_seam_oauth_client_answer(r, plan.answer);
            return;
        }

        job = ngx_http_seam_oauth_job_new(r);
        if (job == NULL) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        job->done = ngx_http_seam_oauth_answer_done;
        job->answer = std::move(plan.answer);

        seam::store  *store = ngx_http_seam_oauth_store;

        job->work = [store, token = std::move(plan.token),
                     client = std::move(plan.client_id)]() {
            seam::revoke_token(*store, token, client);
        };

        if (ngx_http_seam_oauth_post_job(r, job) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_HTTP_SERVICE_UNAVAILABLE);
        }

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: revoke: %s", e.what());
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
    }
}


static ngx_int_t
ngx_http_seam_oauth_answer_done(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job)
{
    return ngx_http_seam_oauth_send(r, job->answer);
}


static ngx_int_t
ngx_http_seam_oauth_introspect_handler(ngx_http_request_t *r)
{
    return ngx_http_seam_oauth_client_endpoint(r,
               ngx_http_seam_oauth_introspect_body);
}


static void
ngx_http_seam_oauth_introspect_body(ngx_http_request_t *r)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;
    std::string                       body;
    seam::token_request               req;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    try {
        if (!ngx_http_seam_oauth_client_request(r, body, req)) {
            ngx_http_finalize_request(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE);
            return;
        }

        /* a read-only lookup: no thread pool needed */
        ngx_http_seam_oauth_client_answer(r,
            seam::introspect(req, *smcf->oauth, *ngx_http_seam_oauth_store,
                             ngx_time()));

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: introspect: %s", e.what());
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
    }
}


/* The issuer: as configured, else this server as the request names it. */
static std::string
ngx_http_seam_oauth_issuer(ngx_http_request_t *r)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;
    std::string                       issuer;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    if (smcf->issuer.len) {
        return std::string(ngx_http_seam_oauth_view(smcf->issuer));
    }

#if (NGX_HTTP_SSL)
    issuer = r->connection->ssl ? "https://" : "http://";
#else
    issuer = "http://";
#endif

    if (r->headers_in.host) {
        issuer.append(ngx_http_seam_oauth_view(r->headers_in.host->value));
    } else {
        issuer.append(ngx_http_seam_oauth_view(r->headers_in.server));
    }

    return issuer;
}


static ngx_int_t
ngx_http_seam_oauth_metadata_handler(ngx_http_request_t *r)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    try {
        seam::endpoint_paths  paths;

        paths.authorize = ngx_http_seam_oauth_view(smcf->authorize_path);
        paths.token = ngx_http_seam_oauth_view(smcf->token_path);
        paths.revoke = ngx_http_seam_oauth_view(smcf->revoke_path);
        paths.introspect = ngx_http_seam_oauth_view(smcf->introspect_path);

        return ngx_http_seam_oauth_send(r,
                   seam::metadata(*smcf->oauth,
                                  ngx_http_seam_oauth_issuer(r), paths));

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: metadata: %s", e.what());
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
}


/* the bearer check */


/* Keeps the real answer on the main request, where variables survive the
 * error_page redirect to a "seam_oauth_denied" location (auth_request
 * passes only 401 and 403 on, so a 400 travels as a 401 to there), and
 * sends the challenge: one pool buffer, "STATUS ERROR CHALLENGE" (ERROR
 * "-" when there is none), whose tail is the WWW-Authenticate value. */
static ngx_int_t
ngx_http_seam_oauth_record_denial(ngx_http_request_t *r,
    const seam::bearer_result &result)
{
    u_char                           *p;
    ngx_str_t                         challenge;
    ngx_http_variable_value_t        *vv;
    ngx_http_seam_oauth_main_conf_t  *smcf;

    static ngx_str_t  www_authenticate = ngx_string("WWW-Authenticate");

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    std::string_view  error = seam::wire_name(result.error);

    if (error.empty()) {
        error = "-";
    }

    vv = &r->main->variables[smcf->denial_index];
    vv->len = sizeof("400 ") - 1 + error.size() + 1 + result.challenge.size();
    vv->data = static_cast<u_char *>(ngx_pnalloc(r->pool, vv->len));
    if (vv->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(vv->data, "%03i ", (ngx_int_t) result.status);
    p = ngx_cpymem(p, error.data(), error.size());
    *p++ = ' ';
    challenge.data = p;
    challenge.len = result.challenge.size();
    ngx_memcpy(p, result.challenge.data(), challenge.len);

    vv->valid = 1;
    vv->no_cacheable = 0;
    vv->not_found = 0;

    return ngx_http_seam_oauth_add_header(r, www_authenticate, challenge);
}


/* One result for every check of this worker: checks run one at a time on
 * the event loop, and its strings keep their capacity, so a warm check
 * allocates nothing on the heap. */
static seam::bearer_result  ngx_http_seam_oauth_bearer_result;


/* The bearer check of one request: fills the ctx on success, records the
 * denial otherwise; returns the status the check decided. */
static ngx_int_t
ngx_http_seam_oauth_check(ngx_http_request_t *r,
    ngx_http_seam_oauth_loc_conf_t *slcf, seam::bearer_result &result)
{
    ngx_str_t                         required_scope = ngx_null_string;
    ngx_http_seam_oauth_ctx_t        *ctx;
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    ctx = static_cast<ngx_http_seam_oauth_ctx_t *>(
              ngx_pcalloc(r->pool, sizeof(ngx_http_seam_oauth_ctx_t)));
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_http_set_ctx(r, ctx, ngx_http_seam_oauth_module);

    std::optional<std::string_view>  header;

    if (r->headers_in.authorization) {
        header = ngx_http_seam_oauth_view(r->headers_in.authorization->value);
    }

    /* evaluated on the main request: it is the protected one */
    if (slcf->required_scope != NULL
        && ngx_http_complex_value(r->main, slcf->required_scope,
                                  &required_scope) != NGX_OK)
    {
        return NGX_ERROR;
    }

    seam::check_bearer(*ngx_http_seam_oauth_store, header,
                       smcf->oauth->realm, ngx_time(),
                       ngx_http_seam_oauth_view(required_scope), result);

    if (result.status == NGX_HTTP_NO_CONTENT) {
        /* the variables' values, in one pool allocation */
        const seam::access_token_record  &t = result.token;
        u_char                           *p;

        p = static_cast<u_char *>(ngx_pnalloc(r->pool,
                t.user_id.size() + t.client_id.size() + t.scope.size()));
        if (p == NULL) {
            return NGX_ERROR;
        }

        ctx->user_id.data = p;
        ctx->user_id.len = t.user_id.size();
        ctx->client_id.data = ngx_cpymem(p, t.user_id.data(), t.user_id.size());
        ctx->client_id.len = t.client_id.size();
        ctx->scope.data = ngx_cpymem(ctx->client_id.data, t.client_id.data(),
                                     t.client_id.size());
        ctx->scope.len = t.scope.size();
        ngx_memcpy(ctx->scope.data, t.scope.data(), t.scope.size());

        return NGX_OK;
    }

    return ngx_http_seam_oauth_record_denial(r, result);
}


static ngx_int_t
ngx_http_seam_oauth_check_handler(ngx_http_request_t *r)
{
    ngx_int_t                        rc;
    ngx_http_seam_oauth_loc_conf_t  *slcf;

    seam::bearer_result  &result = ngx_http_seam_oauth_bearer_result;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the scopes are those of the location auth_request protects */
    slcf = static_cast<ngx_http_seam_oauth_loc_conf_t *>(
               ngx_http_get_module_loc_conf(r->main,
                                            ngx_http_seam_oauth_module));

    try {
        if (ngx_http_seam_oauth_check(r, slcf, result) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        /* auth_request passes only 401 and 403 on; the denied location
         * restores the 400 */
        if (r != r->main && result.status == NGX_HTTP_BAD_REQUEST) {
            result.status = NGX_HTTP_UNAUTHORIZED;
        }

        r->headers_out.status = result.status;
        r->headers_out.content_length_n = 0;
        r->header_only = 1;

        rc = ngx_http_send_header(r);

        return rc == NGX_ERROR ? rc : NGX_OK;

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: bearer check: %s", e.what());
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
}


/* "seam_oauth_bearer on": the check in the access phase, without a
 * subrequest; a denial is answered with the check's own status and
 * challenge. */
static ngx_int_t
ngx_http_seam_oauth_access_handler(ngx_http_request_t *r)
{
    ngx_http_seam_oauth_loc_conf_t  *slcf;

    seam::bearer_result  &result = ngx_http_seam_oauth_bearer_result;

    slcf = static_cast<ngx_http_seam_oauth_loc_conf_t *>(
               ngx_http_get_module_loc_conf(r, ngx_http_seam_oauth_module));

    if (!slcf->bearer) {
        return NGX_DECLINED;
    }

    if (ngx_http_seam_oauth_store == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: \"seam_oauth_bearer\" needs "
                      "\"seam_oauth_store\"");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    try {
        if (ngx_http_seam_oauth_check(r, slcf, result) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: bearer check: %s", e.what());
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return result.status == NGX_HTTP_NO_CONTENT ? NGX_OK : result.status;
}


/* The error_page location behind auth_request: answers with the status,
 * WWW-Authenticate challenge and JSON error that the check decided. */
static ngx_int_t
ngx_http_seam_oauth_denied_handler(ngx_http_request_t *r)
{
    ngx_uint_t                        i;
    ngx_list_part_t                  *part;
    ngx_table_elt_t                  *h;
    ngx_http_variable_value_t        *vv;
    ngx_http_seam_oauth_main_conf_t  *smcf;
    seam::http_answer                 a;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(
               ngx_http_get_module_main_conf(r, ngx_http_seam_oauth_module));

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    vv = ngx_http_get_indexed_variable(r, smcf->denial_index);

    std::string_view  denial;
    if (vv != NULL && !vv->not_found && vv->len > 4) {
        denial = std::string_view((char *) vv->data, vv->len);
    }

    /* the challenge auth_request copied over is replaced by ours */
    part = &r->headers_out.headers.part;
    h = static_cast<ngx_table_elt_t *>(part->elts);

    for (i = 0; /* void */; i++) {
        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }
            part = part->next;
            h = static_cast<ngx_table_elt_t *>(part->elts);
            i = 0;
        }

        if (h[i].key.len == sizeof("WWW-Authenticate") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "WWW-Authenticate",
                               h[i].key.len) == 0)
        {
            h[i].hash = 0;
        }
    }
    r->headers_out.www_authenticate = NULL;

    try {
        int          status = NGX_HTTP_UNAUTHORIZED;
        std::string  error = "-";
        std::string  challenge = seam::bearer_challenge(smcf->oauth->realm,
                                                        seam::oauth_error::none);

        if (!denial.empty()) {
            size_t  sp = denial.find(' ', 4);

            status = std::stoi(std::string(denial.substr(0, 3)));
            error = std::string(denial.substr(4, sp - 4));
            challenge = std::string(denial.substr(sp + 1));
        }

        a.status = status;
        a.body = error == "-" ? "{\"error\":\"unauthorized\"}"
                              : "{\"error\":\"" + error + "\"}";
        a.headers.emplace_back("WWW-Authenticate", challenge);
        a.headers.emplace_back("Cache-Control", "no-store");

        return ngx_http_seam_oauth_send(r, a);

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: denied: %s", e.what());
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
}


/* variables */


static ngx_int_t
ngx_http_seam_oauth_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                  *s;
    ngx_http_seam_oauth_ctx_t  *ctx;

    ctx = static_cast<ngx_http_seam_oauth_ctx_t *>(
              ngx_http_get_module_ctx(r, ngx_http_seam_oauth_module));

    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    switch (data) {
    case NGX_HTTP_SEAM_OAUTH_VAR_USER_ID:
        s = &ctx->user_id;
        break;
    case NGX_HTTP_SEAM_OAUTH_VAR_CLIENT_ID:
        s = &ctx->client_id;
        break;
    default:
        s = &ctx->scope;
        break;
    }

    if (s->data == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = s->data;
    v->len = s->len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_seam_oauth_denial_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    v->not_found = 1;

    return NGX_OK;
}
