
/*
 * GET and POST /authorize: the request's query or form, its cookies and
 * the headers that say where a POST came from go to the core
 * (authorize_endpoint.h); what comes back is sent, or run in a thread
 * pool first: a code to issue, a sign-in to check (against the store, or
 * by the device cloud's login API: login_check.cpp).
 */


#include "ngx_http_seam_oauth.h"

#include "cookies.h"
#include "csrf.h"
#include "sign_in.h"


static void ngx_http_seam_oauth_authorize_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_seam_oauth_authorize_step(ngx_http_request_t *r,
    seam::authorize_step &step);
static seam::http_answer ngx_http_seam_oauth_code_done(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job);


/* What the core needs to know of this request. */
static void
ngx_http_seam_oauth_authorize_env(ngx_http_request_t *r,
    seam::authorize_env &env)
{
    ngx_http_core_loc_conf_t         *clcf;
    ngx_http_seam_oauth_main_conf_t  *smcf = ngx_http_seam_oauth_main_conf(r);

    clcf = static_cast<ngx_http_core_loc_conf_t *>(
               ngx_http_get_module_loc_conf(r, ngx_http_core_module));

    env.config = smcf->oauth;
    env.pages = smcf->pages;
    env.s = ngx_http_seam_oauth_worker.store;
    env.server_key = *ngx_http_seam_oauth_worker.server_key;
    env.now = ngx_time();
    env.issuer = ngx_http_seam_oauth_issuer(r);
    env.action = ngx_http_seam_oauth_view(r->uri);
    env.cookies.path = seam::cookie_path(env.action,
                                         ngx_http_seam_oauth_view(clcf->name));
    /* TLS here, or ended in front of nginx for an https issuer */
    env.cookies.secure = ngx_http_seam_oauth_tls(r)
                         || env.issuer.rfind("https://", 0) == 0;
    env.csrf_nonce = ngx_http_seam_oauth_cookie(r, seam::csrf_cookie);
    env.session = ngx_http_seam_oauth_cookie(r, seam::session_cookie);
    env.head = r->method == NGX_HTTP_HEAD;
    env.login_check = ngx_http_seam_oauth_loc_conf(r)->login_check != NULL;
}


ngx_int_t
ngx_http_seam_oauth_authorize_handler(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    if (r->method == NGX_HTTP_POST) {
        ngx_http_core_loc_conf_t  *clcf;

        clcf = static_cast<ngx_http_core_loc_conf_t *>(
                   ngx_http_get_module_loc_conf(r, ngx_http_core_module));

        /* a form longer than the body buffer would be written to a
         * temporary file, password and all: a login form is far shorter */
        if (r->headers_in.content_length_n
            > static_cast<off_t>(clcf->client_body_buffer_size))
        {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "seam_oauth: a form of %O bytes is longer than "
                          "client_body_buffer_size",
                          r->headers_in.content_length_n);
            return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
        }

        return ngx_http_seam_oauth_start_body(r,
                   ngx_http_seam_oauth_authorize_body);
    }

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return ngx_http_seam_oauth_send(r,
                   seam::method_not_allowed("GET, POST"));
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    try {
        seam::authorize_env  env;

        ngx_http_seam_oauth_authorize_env(r, env);

        seam::authorize_step  step = seam::authorize_get(
                                         ngx_http_seam_oauth_view(r->args),
                                         env);

        rc = ngx_http_seam_oauth_authorize_step(r, step);
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


static void
ngx_http_seam_oauth_authorize_body(ngx_http_request_t *r)
{
    ngx_int_t         rc;
    ngx_table_elt_t  *h;

    try {
        std::string  body;

        if (!ngx_http_seam_oauth_read_body(r, body)) {
            ngx_http_finalize_request(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE);
            return;
        }

        seam::authorize_env  env;
        seam::form_source    source;

        ngx_http_seam_oauth_authorize_env(r, env);

        if ((h = ngx_http_seam_oauth_header_in(r, "Origin"))) {
            source.origin = ngx_http_seam_oauth_view(h->value);
        }

        if ((h = ngx_http_seam_oauth_header_in(r, "Sec-Fetch-Site"))) {
            source.fetch_site = ngx_http_seam_oauth_view(h->value);
        }

        if (r->headers_in.host) {
            source.host = ngx_http_seam_oauth_view(r->headers_in.host->value);
        }

        source.issuer = env.config->issuer;

        seam::authorize_step  step = seam::authorize_post(body, source,
                                         ngx_http_seam_oauth_address(r), env);

        rc = ngx_http_seam_oauth_authorize_step(r, step);
        if (rc == NGX_DONE) {
            return;
        }

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: authorize: %s", e.what());
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_finalize_request(r, rc);
}


static void
ngx_http_seam_oauth_issue_code(ngx_http_seam_oauth_job *job)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = ngx_http_seam_oauth_main_conf(job->request);

    job->code = seam::issue_code_for(*ngx_http_seam_oauth_worker.store,
                                     *smcf->oauth, job->authz, job->user_id,
                                     job->authorized_ms, job->now);
}


static void
ngx_http_seam_oauth_sign_in(ngx_http_seam_oauth_job *job)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = ngx_http_seam_oauth_main_conf(job->request);

    seam::store_accounts  accounts(*ngx_http_seam_oauth_worker.store);

    job->signed_in = seam::sign_in(*ngx_http_seam_oauth_worker.store,
                                   *smcf->oauth, job->sign_in, accounts);
}


/* Sends the step's answer, or posts its work: NGX_DONE when posted. */
static ngx_int_t
ngx_http_seam_oauth_authorize_step(ngx_http_request_t *r,
    seam::authorize_step &step)
{
    ngx_http_seam_oauth_job  *job;

    using next = seam::authorize_step::next;

    if (step.what == next::answer) {
        return ngx_http_seam_oauth_send(r, step.answer);
    }

    job = ngx_http_seam_oauth_job_new(r);
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    job->authz = std::move(step.request);
    job->events = std::move(step.answer.events);

    if (step.what == next::issue_code) {
        job->user_id = std::move(step.user_id);
        job->authorized_ms = step.authorized_ms;
        job->work = ngx_http_seam_oauth_issue_code;
        job->done = ngx_http_seam_oauth_code_done;

    } else if (ngx_http_seam_oauth_loc_conf(r)->login_check) {
        /* the device cloud's accounts: its login API checks the
         * password (login_check.cpp) */
        job->sign_in = std::move(step.sign_in);

        if (ngx_http_seam_oauth_login_check_post(r, job) != NGX_OK) {
            return NGX_HTTP_SERVICE_UNAVAILABLE;
        }

        return NGX_DONE;

    } else {
        job->sign_in = std::move(step.sign_in);
        job->work = ngx_http_seam_oauth_sign_in;
        job->done = ngx_http_seam_oauth_sign_in_done;
    }

    if (ngx_http_seam_oauth_post_job(r, job, step.what == next::sign_in)
        != NGX_OK)
    {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    return NGX_DONE;
}


static seam::http_answer
ngx_http_seam_oauth_code_done(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job)
{
    seam::authorize_env  env;

    ngx_http_seam_oauth_authorize_env(r, env);

    return seam::answer_code(env, job->authz, job->code);
}


seam::http_answer
ngx_http_seam_oauth_sign_in_done(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job)
{
    seam::authorize_env  env;

    ngx_http_seam_oauth_authorize_env(r, env);

    return seam::answer_sign_in(env, job->authz, job->signed_in,
                                job->sign_in.email);
}
