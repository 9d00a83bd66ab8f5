
/*
 * The endpoints clients POST to (token, revocation, introspection) and
 * the metadata document: the request's body and headers go to the core
 * (token_endpoint.h), its answer comes back, after a group commit or a
 * job in the thread pool where the store must change.
 */


#include "ngx_http_seam_oauth.h"

#include "revocation.h"
#include "server_metadata.h"


static void ngx_http_seam_oauth_token_body(ngx_http_request_t *r);
static void ngx_http_seam_oauth_revoke_body(ngx_http_request_t *r);
static void ngx_http_seam_oauth_introspect_body(ngx_http_request_t *r);


/* The core's view of a client's POST, whose strings view `body`; false
 * when the body is over the limit. */
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

    smcf = ngx_http_seam_oauth_main_conf(r);

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


ngx_int_t
ngx_http_seam_oauth_token_handler(ngx_http_request_t *r)
{
    return ngx_http_seam_oauth_client_endpoint(r,
                                               ngx_http_seam_oauth_token_body);
}


ngx_int_t
ngx_http_seam_oauth_revoke_handler(ngx_http_request_t *r)
{
    return ngx_http_seam_oauth_client_endpoint(r,
                                               ngx_http_seam_oauth_revoke_body);
}


ngx_int_t
ngx_http_seam_oauth_introspect_handler(ngx_http_request_t *r)
{
    return ngx_http_seam_oauth_client_endpoint(r,
               ngx_http_seam_oauth_introspect_body);
}


static seam::http_answer
ngx_http_seam_oauth_answer_done(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job)
{
    return job->answer;
}


static void
ngx_http_seam_oauth_count_failure(ngx_http_seam_oauth_job *job)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = ngx_http_seam_oauth_main_conf(job->request);

    job->answer = seam::count_client_failure(
                      *ngx_http_seam_oauth_worker.store, *smcf->oauth,
                      job->throttle_key, job->now, std::move(job->answer));
}


static void
ngx_http_seam_oauth_refresh(ngx_http_seam_oauth_job *job)
{
    job->redeemed = seam::refresh_grant(*ngx_http_seam_oauth_worker.store,
                                        job->refresh);
}


seam::http_answer
ngx_http_seam_oauth_token_done(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job)
{
    ngx_http_seam_oauth_main_conf_t  *smcf = ngx_http_seam_oauth_main_conf(r);

    return seam::answer_redemption(job->redeemed, *smcf->oauth,
                                   job->client_id,
                                   !job->refresh.client_id.empty());
}


/* What the token endpoint's step needs done: NGX_DONE once posted or
 * queued, else the status to finalize with. */
static ngx_int_t
ngx_http_seam_oauth_token_step(ngx_http_request_t *r, seam::token_step &step)
{
    ngx_http_seam_oauth_job  *job;

    using next = seam::token_step::next;

    if (step.what == next::answer) {
        return ngx_http_seam_oauth_send(r, step.answer);
    }

    job = ngx_http_seam_oauth_job_new(r);
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (step.what == next::redeem) {
        job->client_id = step.redeem.client_id;
        job->redeem = std::move(step.redeem);
        job->done = ngx_http_seam_oauth_token_done;
        ngx_http_seam_oauth_post_redeem(r, job);
        return NGX_DONE;
    }

    if (step.what == next::refresh) {
        job->client_id = step.refresh.client_id;
        job->refresh = std::move(step.refresh);
        job->work = ngx_http_seam_oauth_refresh;
        job->done = ngx_http_seam_oauth_token_done;

    } else {
        /* count the failure (a durable write), then answer */
        job->throttle_key = std::move(step.throttle_key);
        job->answer = std::move(step.answer);
        job->work = ngx_http_seam_oauth_count_failure;
        job->done = ngx_http_seam_oauth_answer_done;
    }

    if (ngx_http_seam_oauth_post_job(r, job, false) != NGX_OK) {
        /* an uncounted failure is still a failure */
        return step.what == next::count_failure
               ? ngx_http_seam_oauth_send(r, job->answer)
               : NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    return NGX_DONE;
}


/* A client's POST, read: the body and headers to `serve`, whose status
 * (or NGX_DONE, when the answer comes later) ends the request. */
static void
ngx_http_seam_oauth_client_body(ngx_http_request_t *r,
    ngx_int_t (*serve)(ngx_http_request_t *r, const seam::token_request &req),
    const char *what)
{
    ngx_int_t  rc;

    try {
        std::string          body;
        seam::token_request  req;

        if (!ngx_http_seam_oauth_client_request(r, body, req)) {
            rc = NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;

        } else {
            rc = serve(r, req);
            if (rc == NGX_DONE) {
                return;
            }
        }

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: %s: %s", what, e.what());
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_finalize_request(r, rc);
}


static ngx_int_t
ngx_http_seam_oauth_serve_token(ngx_http_request_t *r,
    const seam::token_request &req)
{
    ngx_int_t                         rc;
    ngx_http_seam_oauth_main_conf_t  *smcf = ngx_http_seam_oauth_main_conf(r);

    seam::token_step  step = seam::plan_token_request(req, *smcf->oauth,
                                 *ngx_http_seam_oauth_worker.store,
                                 ngx_time(),
                                 *ngx_http_seam_oauth_worker.server_key,
                                 ngx_http_seam_oauth_address(r));

    rc = ngx_http_seam_oauth_token_step(r, step);

    if (rc == NGX_HTTP_SERVICE_UNAVAILABLE) {
        rc = ngx_http_seam_oauth_send(r,
                 seam::token_error(seam::oauth_error::temporarily_unavailable,
                                   "", false, smcf->oauth->realm));
    }

    return rc;
}


static void
ngx_http_seam_oauth_token_body(ngx_http_request_t *r)
{
    ngx_http_seam_oauth_client_body(r, ngx_http_seam_oauth_serve_token,
                                    "token");
}


static void
ngx_http_seam_oauth_revoke(ngx_http_seam_oauth_job *job)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = ngx_http_seam_oauth_main_conf(job->request);

    job->answer = seam::revoke(*ngx_http_seam_oauth_worker.store,
                               *smcf->oauth, job->revocation);
}


static ngx_int_t
ngx_http_seam_oauth_serve_revoke(ngx_http_request_t *r,
    const seam::token_request &req)
{
    ngx_http_seam_oauth_job          *job;
    ngx_http_seam_oauth_main_conf_t  *smcf = ngx_http_seam_oauth_main_conf(r);

    seam::revocation_plan  plan = seam::plan_revocation(req, *smcf->oauth);

    if (!plan.ready) {
        return ngx_http_seam_oauth_send(r, plan.answer);
    }

    job = ngx_http_seam_oauth_job_new(r);
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    job->revocation = std::move(plan);
    job->work = ngx_http_seam_oauth_revoke;
    job->done = ngx_http_seam_oauth_answer_done;

    if (ngx_http_seam_oauth_post_job(r, job, false) != NGX_OK) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    return NGX_DONE;
}


static void
ngx_http_seam_oauth_revoke_body(ngx_http_request_t *r)
{
    ngx_http_seam_oauth_client_body(r, ngx_http_seam_oauth_serve_revoke,
                                    "revoke");
}


/* a read-only lookup: no thread pool needed */
static ngx_int_t
ngx_http_seam_oauth_serve_introspect(ngx_http_request_t *r,
    const seam::token_request &req)
{
    ngx_http_seam_oauth_main_conf_t  *smcf = ngx_http_seam_oauth_main_conf(r);

    return ngx_http_seam_oauth_send(r,
               seam::introspect(req, *smcf->oauth,
                                *ngx_http_seam_oauth_worker.store,
                                ngx_time()));
}


static void
ngx_http_seam_oauth_introspect_body(ngx_http_request_t *r)
{
    ngx_http_seam_oauth_client_body(r, ngx_http_seam_oauth_serve_introspect,
                                    "introspect");
}


ngx_int_t
ngx_http_seam_oauth_metadata_handler(ngx_http_request_t *r)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    smcf = ngx_http_seam_oauth_main_conf(r);

    try {
        return ngx_http_seam_oauth_send(r,
                   seam::metadata(*smcf->oauth,
                                  ngx_http_seam_oauth_issuer(r)));

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: metadata: %s", e.what());
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
}
