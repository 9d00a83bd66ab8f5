
/*
 * ngx_http_seam_oauth_module: nginx as the OAuth 2.0 authorization server
 * a device cloud needs to connect its customers to Seam.
 *
 * This file holds the module: its directives, its configuration and the
 * life of a worker. The handlers are in src/ngx/, one file per concern;
 * every decision is made by the core in src/, which knows nothing of
 * nginx.
 */


#include "ngx/ngx_http_seam_oauth.h"

#include "csrf.h"
#include "store_files.h"

#include <grp.h>
#include <pwd.h>


static ngx_int_t ngx_http_seam_oauth_init(ngx_conf_t *cf);
static void *ngx_http_seam_oauth_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_seam_oauth_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_seam_oauth_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_seam_oauth_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_seam_oauth_prepare_store(ngx_conf_t *cf,
    ngx_http_seam_oauth_main_conf_t *smcf);
static ngx_int_t ngx_http_seam_oauth_init_process(ngx_cycle_t *cycle);
static void ngx_http_seam_oauth_exit_process(ngx_cycle_t *cycle);


ngx_http_seam_oauth_worker_t  ngx_http_seam_oauth_worker;


/* The value directives: each writes one field of seam::oauth_config. */
#define NGX_HTTP_SEAM_OAUTH_FIELD(name, bit, kind, member)                   \
    static ngx_http_seam_oauth_field_t  ngx_http_seam_oauth_field_##name = { \
        bit, ngx_http_seam_oauth_field_t::kind,                              \
        &seam::oauth_config::member, nullptr                                 \
    }

#define NGX_HTTP_SEAM_OAUTH_TEXT(name, bit, member)                          \
    static ngx_http_seam_oauth_field_t  ngx_http_seam_oauth_field_##name = { \
        bit, ngx_http_seam_oauth_field_t::text, nullptr,                     \
        &seam::oauth_config::member                                          \
    }

NGX_HTTP_SEAM_OAUTH_FIELD(code_ttl, 0, seconds, code_ttl);
NGX_HTTP_SEAM_OAUTH_FIELD(token_ttl, 1, seconds, access_token_ttl);
NGX_HTTP_SEAM_OAUTH_FIELD(refresh_token_ttl, 2, seconds, refresh_token_ttl);
NGX_HTTP_SEAM_OAUTH_FIELD(refresh_grace, 3, seconds, refresh_grace);
NGX_HTTP_SEAM_OAUTH_FIELD(session_ttl, 4, seconds, session_ttl);
NGX_HTTP_SEAM_OAUTH_FIELD(throttle_account, 5, number, throttle_account);
NGX_HTTP_SEAM_OAUTH_FIELD(throttle_ip, 6, number, throttle_ip);
NGX_HTTP_SEAM_OAUTH_FIELD(throttle_client, 7, number, throttle_client);
NGX_HTTP_SEAM_OAUTH_FIELD(throttle_window, 8, seconds, throttle_window);
NGX_HTTP_SEAM_OAUTH_FIELD(throttle_max_lockout, 9, seconds,
                          throttle_max_lockout);
NGX_HTTP_SEAM_OAUTH_TEXT(issuer, 10, issuer);
NGX_HTTP_SEAM_OAUTH_TEXT(realm, 11, realm);


#define NGX_HTTP_SEAM_OAUTH_VALUE(directive, field)                          \
    { ngx_string(directive),                                                 \
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,                                     \
      ngx_http_seam_oauth_set_value,                                         \
      NGX_HTTP_MAIN_CONF_OFFSET,                                             \
      0,                                                                     \
      &ngx_http_seam_oauth_field_##field }

#define NGX_HTTP_SEAM_OAUTH_HANDLER(directive, handler)                      \
    { ngx_string(directive),                                                 \
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,                                     \
      ngx_http_seam_oauth_handler_directive,                                 \
      NGX_HTTP_LOC_CONF_OFFSET,                                              \
      0,                                                                     \
      (void *) handler }


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

    NGX_HTTP_SEAM_OAUTH_VALUE("seam_oauth_code_ttl", code_ttl),
    NGX_HTTP_SEAM_OAUTH_VALUE("seam_oauth_token_ttl", token_ttl),
    NGX_HTTP_SEAM_OAUTH_VALUE("seam_oauth_refresh_token_ttl",
                              refresh_token_ttl),
    NGX_HTTP_SEAM_OAUTH_VALUE("seam_oauth_refresh_grace", refresh_grace),
    NGX_HTTP_SEAM_OAUTH_VALUE("seam_oauth_session_ttl", session_ttl),
    NGX_HTTP_SEAM_OAUTH_VALUE("seam_oauth_throttle_account",
                              throttle_account),
    NGX_HTTP_SEAM_OAUTH_VALUE("seam_oauth_throttle_ip", throttle_ip),
    NGX_HTTP_SEAM_OAUTH_VALUE("seam_oauth_throttle_client", throttle_client),
    NGX_HTTP_SEAM_OAUTH_VALUE("seam_oauth_throttle_window", throttle_window),
    NGX_HTTP_SEAM_OAUTH_VALUE("seam_oauth_throttle_max_lockout",
                              throttle_max_lockout),
    NGX_HTTP_SEAM_OAUTH_VALUE("seam_oauth_issuer", issuer),
    NGX_HTTP_SEAM_OAUTH_VALUE("seam_oauth_realm", realm),

    { ngx_string("seam_oauth_scope_description"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_seam_oauth_scope_description,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
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

    NGX_HTTP_SEAM_OAUTH_HANDLER("seam_oauth_authorize",
                                ngx_http_seam_oauth_authorize_handler),
    NGX_HTTP_SEAM_OAUTH_HANDLER("seam_oauth_token",
                                ngx_http_seam_oauth_token_handler),
    NGX_HTTP_SEAM_OAUTH_HANDLER("seam_oauth_revoke",
                                ngx_http_seam_oauth_revoke_handler),
    NGX_HTTP_SEAM_OAUTH_HANDLER("seam_oauth_introspect",
                                ngx_http_seam_oauth_introspect_handler),
    NGX_HTTP_SEAM_OAUTH_HANDLER("seam_oauth_metadata",
                                ngx_http_seam_oauth_metadata_handler),
    NGX_HTTP_SEAM_OAUTH_HANDLER("seam_oauth_check",
                                ngx_http_seam_oauth_check_handler),
    NGX_HTTP_SEAM_OAUTH_HANDLER("seam_oauth_denied",
                                ngx_http_seam_oauth_denied_handler),

    { ngx_string("seam_oauth_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_seam_oauth_metrics_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) ngx_http_seam_oauth_metrics_handler },

    { ngx_string("seam_oauth_audit_log"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_seam_oauth_audit_log_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("seam_oauth_bearer"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_seam_oauth_loc_conf_t, bearer),
      NULL },

    { ngx_string("seam_oauth_login_check"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_seam_oauth_login_check_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("seam_oauth_require_scope"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_seam_oauth_require_scope,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

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


static ngx_str_t  ngx_http_seam_oauth_denial_name =
    ngx_string("seam_oauth_denial");


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
     *     smcf->given = 0;
     *     smcf->thread_pool_name = { 0, NULL };
     *     smcf->thread_pool = NULL;
     *     smcf->hash_thread_pool_name = { 0, NULL };
     *     smcf->hash_thread_pool = NULL;
     *     smcf->login_template = { 0, NULL };
     *     smcf->consent_template = { 0, NULL };
     *     smcf->error_template = { 0, NULL };
     *     smcf->pages = NULL;
     */

    smcf->sweep_interval = NGX_CONF_UNSET_MSEC;
    smcf->denial_index = NGX_ERROR;

    smcf->oauth = ngx_http_seam_oauth_pool_new<seam::oauth_config>(cf->pool);
    smcf->store = ngx_http_seam_oauth_pool_new<seam::store_options>(cf->pool);
    if (smcf->oauth == NULL || smcf->store == NULL) {
        return NULL;
    }

    return smcf;
}


static char *
ngx_http_seam_oauth_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_seam_oauth_main_conf_t *smcf =
        static_cast<ngx_http_seam_oauth_main_conf_t *>(conf);

    ngx_conf_init_msec_value(smcf->sweep_interval, 60000);

    if (smcf->thread_pool_name.len == 0) {
        ngx_str_set(&smcf->thread_pool_name, "default");
    }

    if (smcf->hash_thread_pool_name.len == 0) {
        smcf->hash_thread_pool_name = smcf->thread_pool_name;
    }

    std::string  error = smcf->oauth->check();

    if (!error.empty()) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", error.c_str());
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    smcf->pages = ngx_http_seam_oauth_load_pages(cf, smcf);
    if (smcf->pages == NULL) {
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    if (!smcf->store->path.empty()) {
        if (ngx_http_seam_oauth_prepare_store(cf, smcf) != NGX_CONF_OK) {
            return static_cast<char *>(NGX_CONF_ERROR);
        }

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


/*
 * The store as the workers will find it, checked now, in the master
 * (nginx -t, a start, a reload), so that a store they could not open
 * stops nginx with one line rather than leaving it with no workers: the
 * directory created and handed to nginx's user as nginx does with its
 * temporary paths, the files usable by that user, data.mdb whole; a new
 * store created (and closed before any worker is forked).
 */
static char *
ngx_http_seam_oauth_prepare_store(ngx_conf_t *cf,
    ngx_http_seam_oauth_main_conf_t *smcf)
{
    ngx_core_conf_t   *ccf;
    seam::store_user   user;

    ccf = (ngx_core_conf_t *) ngx_get_conf(cf->cycle->conf_ctx,
                                           ngx_core_module);

    try {
        if (geteuid() == 0) {
            user.any = false;

            if (ccf->user != (ngx_uid_t) NGX_CONF_UNSET_UINT) {
                user.uid = ccf->user;
                user.gid = ccf->group;
                user.name = ccf->username;

            } else {
                /* no "user" yet: nginx's default, as it will resolve it */
                struct passwd  *pw = getpwnam(NGX_USER);
                struct group   *gr = getgrnam(NGX_GROUP);

                user.uid = pw ? pw->pw_uid : 65534;
                user.gid = gr ? gr->gr_gid : 65534;
                user.name = NGX_USER;
            }
        }

        std::string  error = seam::prepare_store(smcf->store->path, user);

        if (error.empty()) {
            /* a new store is made here, once: two workers opening it at
             * once would otherwise see a data.mdb still being created */
            error = seam::create_store(*smcf->store, user);
        }

        if (!error.empty()) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "seam_oauth: %s",
                               error.c_str());
            return static_cast<char *>(NGX_CONF_ERROR);
        }

    } catch (const std::exception &e) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "seam_oauth: %s", e.what());
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
    slcf->login_check = static_cast<ngx_http_seam_oauth_login_check_t *>(
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
    ngx_conf_merge_ptr_value(conf->login_check, prev->login_check, NULL);

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

    ngx_http_seam_oauth_login_check_filters();

    if (ngx_http_seam_oauth_observe_init(cf,
            ngx_http_seam_oauth_conf_main_conf(cf))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_seam_oauth_init_process(ngx_cycle_t *cycle)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;
    ngx_http_seam_oauth_worker_t     *w = &ngx_http_seam_oauth_worker;

    smcf = ngx_http_seam_oauth_cycle_main_conf(cycle);

    if (smcf == NULL || smcf->store->path.empty()) {
        return NGX_OK;
    }

    try {
        /* checked again here: a file cut short since would be mapped past
         * its end (SIGBUS); a worker that exits with 2 is not respawned */
        std::string  error = seam::check_data_file(smcf->store->path);

        if (!error.empty()) {
            ngx_log_error(NGX_LOG_EMERG, cycle->log, 0, "seam_oauth: %s",
                          error.c_str());
            return NGX_ERROR;
        }

        w->store = new seam::store(*smcf->store);

        /* the durability in force, as LMDB reports it */
        ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                      "seam_oauth: store \"%s\" open, sync=%s, grow=%uz",
                      smcf->store->path.c_str(),
                      w->store->meta_sync() ? "full" : "nometa",
                      smcf->store->grow_step);

        w->server_key = new std::string(seam::load_server_key(*w->store));

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "seam_oauth: cannot open the store \"%s\": %s",
                      smcf->store->path.c_str(), e.what());
        return NGX_ERROR;
    }

    return ngx_http_seam_oauth_thread_init(cycle);
}


static void
ngx_http_seam_oauth_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_seam_oauth_worker_t  *w = &ngx_http_seam_oauth_worker;

    ngx_http_seam_oauth_thread_exit(cycle);

    delete w->store;
    w->store = NULL;

    delete w->server_key;
    w->server_key = NULL;
}
