
/*
 * seam_oauth_login_check: the device cloud checks the owner's password.
 * A sign-in then runs in three steps: the throttles reserve the attempt
 * (a thread-pool job), an in-memory subrequest takes the form's
 * identifier and password as JSON to the operator's location, and its
 * status and body go back to the core, whose verdict finishes the
 * sign-in (a second job). The core decides all of it (sign_in.h,
 * login_check.h); this file moves bytes to it and from it.
 */


#include "ngx_http_seam_oauth.h"

#include "login_check.h"
#include "secrets.h"


static void ngx_http_seam_oauth_reserve(ngx_http_seam_oauth_job *job);
static ngx_int_t ngx_http_seam_oauth_login_check_start(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job);
static ngx_int_t ngx_http_seam_oauth_login_check_adjust(
    ngx_http_request_t *r, ngx_http_request_t *sr, std::string_view body);
static ngx_int_t ngx_http_seam_oauth_login_check_done(ngx_http_request_t *sr,
    void *data, ngx_int_t rc);
static void ngx_http_seam_oauth_login_check_resume(ngx_http_request_t *r);
static ngx_int_t ngx_http_seam_oauth_login_check_finish(
    ngx_http_request_t *r, ngx_http_seam_oauth_job *job);
static void ngx_http_seam_oauth_finish(ngx_http_seam_oauth_job *job);


static ngx_str_t  ngx_http_seam_oauth_post_method = ngx_string("POST");

static ngx_http_output_header_filter_pt  ngx_http_seam_oauth_next_header;
static ngx_http_output_body_filter_pt    ngx_http_seam_oauth_next_body;


/* seam_oauth_login_check URI [user_id=FIELD] | off */
char *
ngx_http_seam_oauth_login_check_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    u_char                             *q;
    ngx_str_t                          *value;
    ngx_http_seam_oauth_loc_conf_t     *slcf;
    ngx_http_seam_oauth_login_check_t  *lc;

    slcf = static_cast<ngx_http_seam_oauth_loc_conf_t *>(conf);

    if (slcf->login_check != NGX_CONF_UNSET_PTR) {
        return const_cast<char *>("is duplicate");
    }

    value = static_cast<ngx_str_t *>(cf->args->elts);

    if (cf->args->nelts == 2
        && ngx_strcmp(value[1].data, "off") == 0)
    {
        slcf->login_check = NULL;
        return NGX_CONF_OK;
    }

    if (value[1].len == 0 || value[1].data[0] != '/') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "seam_oauth_login_check: \"%V\" is not a location "
                           "of this server (a path such as "
                           "/_device_cloud/login)", &value[1]);
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    lc = static_cast<ngx_http_seam_oauth_login_check_t *>(
             ngx_pcalloc(cf->pool, sizeof(ngx_http_seam_oauth_login_check_t)));
    if (lc == NULL) {
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    lc->uri = value[1];

    q = static_cast<u_char *>(ngx_strlchr(lc->uri.data,
                                          lc->uri.data + lc->uri.len, '?'));
    if (q) {
        lc->args.data = q + 1;
        lc->args.len = lc->uri.data + lc->uri.len - (q + 1);
        lc->uri.len = q - lc->uri.data;
    }

    ngx_str_set(&lc->field, "user_id");

    if (cf->args->nelts == 3) {
        static const size_t  prefix = sizeof("user_id=") - 1;

        if (value[2].len <= prefix
            || ngx_strncmp(value[2].data, "user_id=", prefix) != 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "seam_oauth_login_check: unknown option "
                               "\"%V\" (user_id=FIELD names the answer's "
                               "field with the owner's id)", &value[2]);
            return static_cast<char *>(NGX_CONF_ERROR);
        }

        lc->field.data = value[2].data + prefix;
        lc->field.len = value[2].len - prefix;
    }

    slcf->login_check = lc;

    return NGX_CONF_OK;
}


/* The first step, posted instead of a sign-in against the store. */
ngx_int_t
ngx_http_seam_oauth_login_check_post(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job)
{
    job->work = ngx_http_seam_oauth_reserve;
    job->next = ngx_http_seam_oauth_login_check_start;
    job->done = ngx_http_seam_oauth_sign_in_done;

    return ngx_http_seam_oauth_post_job(r, job, false);
}


/* In a thread: the throttles count the attempt before the device cloud
 * sees it; a locked account or address goes no further. */
static void
ngx_http_seam_oauth_reserve(ngx_http_seam_oauth_job *job)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = ngx_http_seam_oauth_main_conf(job->request);

    job->authorized_ms = seam::now_ms();

    auto held = seam::reserve_sign_in(*ngx_http_seam_oauth_worker.store,
                                      *smcf->oauth, job->sign_in);
    if (held) {
        job->signed_in = std::move(*held);
        job->settled = true;
    }
}


/* On the event loop, once the attempt is reserved: the subrequest. */
static ngx_int_t
ngx_http_seam_oauth_login_check_start(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job)
{
    ngx_int_t                           rc;
    ngx_http_request_t                 *sr;
    ngx_http_seam_oauth_ctx_t          *ctx;
    ngx_http_post_subrequest_t         *ps;
    ngx_http_seam_oauth_loc_conf_t     *slcf;
    ngx_http_seam_oauth_login_check_t  *lc;

    job->next = NULL;

    if (job->settled) {
        return NGX_DECLINED;
    }

    std::string  body = seam::login_check_body(job->sign_in.email,
                                               job->sign_in.password,
                                               job->authz.client->id);
    if (body.empty()) {
        /* not UTF-8: no account of the device cloud can have it */
        job->checked = seam::account_check{};
        return ngx_http_seam_oauth_login_check_finish(r, job);
    }

    slcf = ngx_http_seam_oauth_loc_conf(r);
    lc = slcf->login_check;

    ctx = static_cast<ngx_http_seam_oauth_ctx_t *>(
              ngx_http_get_module_ctx(r, ngx_http_seam_oauth_module));
    if (ctx == NULL) {
        ctx = static_cast<ngx_http_seam_oauth_ctx_t *>(
                  ngx_pcalloc(r->pool, sizeof(ngx_http_seam_oauth_ctx_t)));
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_seam_oauth_module);
    }

    ctx->job = job;

    ps = static_cast<ngx_http_post_subrequest_t *>(
             ngx_palloc(r->pool, sizeof(ngx_http_post_subrequest_t)));
    if (ps == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ps->handler = ngx_http_seam_oauth_login_check_done;
    ps->data = job;

    rc = ngx_http_subrequest(r, &lc->uri, lc->args.len ? &lc->args : NULL,
                             &sr, ps,
                             NGX_HTTP_SUBREQUEST_IN_MEMORY
                             |NGX_HTTP_SUBREQUEST_WAITED);
    if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* posted, not yet run: what it carries can still be set */
    if (ngx_http_seam_oauth_login_check_adjust(r, sr, body) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* its answer is kept by the filters below, never sent */
    ctx = static_cast<ngx_http_seam_oauth_ctx_t *>(
              ngx_pcalloc(r->pool, sizeof(ngx_http_seam_oauth_ctx_t)));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->job = job;
    ctx->capture = 1;
    ngx_http_set_ctx(sr, ctx, ngx_http_seam_oauth_module);

    r->write_event_handler = ngx_http_seam_oauth_login_check_resume;

    return NGX_DONE;
}


static ngx_table_elt_t *
ngx_http_seam_oauth_push_header(ngx_http_request_t *sr, ngx_str_t key,
    ngx_str_t value)
{
    ngx_table_elt_t  *h;

    h = static_cast<ngx_table_elt_t *>(ngx_list_push(&sr->headers_in.headers));
    if (h == NULL) {
        return NULL;
    }

    h->key = key;
    h->value = value;

    h->lowcase_key = static_cast<u_char *>(ngx_pnalloc(sr->pool, key.len));
    if (h->lowcase_key == NULL) {
        return NULL;
    }

    h->hash = ngx_hash_strlow(h->lowcase_key, key.data, key.len);

    return h;
}


/*
 * What the subrequest carries: POST, the JSON body in memory, and of the
 * browser's headers only its User-Agent; no cookie, no Authorization,
 * whatever the location passes on. Its variables are its own, so that
 * none of the parent's cached values (a $http_cookie) leaks into it.
 */
static ngx_int_t
ngx_http_seam_oauth_login_check_adjust(ngx_http_request_t *r,
    ngx_http_request_t *sr, std::string_view body)
{
    u_char                     *p;
    ngx_buf_t                  *b;
    ngx_str_t                   length;
    ngx_chain_t                *cl;
    ngx_http_request_body_t    *rb;
    ngx_http_core_main_conf_t  *cmcf;

    sr->method = NGX_HTTP_POST;
    sr->method_name = ngx_http_seam_oauth_post_method;

    ngx_memzero(&sr->headers_in, sizeof(ngx_http_headers_in_t));

    if (ngx_list_init(&sr->headers_in.headers, sr->pool, 4,
                      sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    sr->headers_in.content_length_n = body.size();
    sr->headers_in.keep_alive_n = -1;
    sr->headers_in.server = r->headers_in.server;

    sr->headers_in.content_type = ngx_http_seam_oauth_push_header(sr,
        ngx_string("Content-Type"), ngx_string("application/json"));
    if (sr->headers_in.content_type == NULL) {
        return NGX_ERROR;
    }

    p = static_cast<u_char *>(ngx_pnalloc(sr->pool, NGX_OFF_T_LEN));
    if (p == NULL) {
        return NGX_ERROR;
    }

    length.data = p;
    length.len = ngx_sprintf(p, "%uz", body.size()) - p;

    sr->headers_in.content_length = ngx_http_seam_oauth_push_header(sr,
        ngx_string("Content-Length"), length);
    if (sr->headers_in.content_length == NULL) {
        return NGX_ERROR;
    }

    if (r->headers_in.user_agent) {
        sr->headers_in.user_agent = ngx_http_seam_oauth_push_header(sr,
            r->headers_in.user_agent->key, r->headers_in.user_agent->value);
        if (sr->headers_in.user_agent == NULL) {
            return NGX_ERROR;
        }
    }

    b = ngx_create_temp_buf(sr->pool, body.size());
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->last = ngx_cpymem(b->last, body.data(), body.size());
    b->last_buf = 1;
    b->last_in_chain = 1;

    cl = ngx_alloc_chain_link(sr->pool);
    if (cl == NULL) {
        return NGX_ERROR;
    }

    cl->buf = b;
    cl->next = NULL;

    rb = static_cast<ngx_http_request_body_t *>(
             ngx_pcalloc(sr->pool, sizeof(ngx_http_request_body_t)));
    if (rb == NULL) {
        return NGX_ERROR;
    }

    rb->bufs = cl;
    rb->buf = b;
    sr->request_body = rb;

    cmcf = static_cast<ngx_http_core_main_conf_t *>(
               ngx_http_get_module_main_conf(sr, ngx_http_core_module));

    sr->variables = static_cast<ngx_http_variable_value_t *>(
        ngx_pcalloc(sr->pool, cmcf->variables.nelts
                              * sizeof(ngx_http_variable_value_t)));
    if (sr->variables == NULL) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * The subrequest's answer is kept, never sent: its status is read when it
 * ends, its body is gathered here, up to one byte more than the core
 * reads (a longer one is cut, and then refused). Its buffers are marked
 * consumed, so that the upstream reuses them. Should an internal redirect
 * in the location lose the request's ctx, the body goes on to nginx's
 * own in-memory buffer (NGX_HTTP_SUBREQUEST_IN_MEMORY), still never to
 * the browser.
 */
static ngx_int_t
ngx_http_seam_oauth_capture_header(ngx_http_request_t *r)
{
    ngx_http_seam_oauth_ctx_t  *ctx;

    ctx = static_cast<ngx_http_seam_oauth_ctx_t *>(
              ngx_http_get_module_ctx(r, ngx_http_seam_oauth_module));

    if (ctx == NULL || !ctx->capture) {
        return ngx_http_seam_oauth_next_header(r);
    }

    ctx->job->answer_captured = true;

    return NGX_OK;
}


static ngx_int_t
ngx_http_seam_oauth_capture_body(ngx_http_request_t *r, ngx_chain_t *in)
{
    size_t                      len, room;
    ngx_buf_t                  *b;
    ngx_http_seam_oauth_job    *job;
    ngx_http_seam_oauth_ctx_t  *ctx;

    ctx = static_cast<ngx_http_seam_oauth_ctx_t *>(
              ngx_http_get_module_ctx(r, ngx_http_seam_oauth_module));

    if (ctx == NULL || !ctx->capture) {
        return ngx_http_seam_oauth_next_body(r, in);
    }

    job = ctx->job;
    job->answer_captured = true;

    for ( /* void */ ; in; in = in->next) {
        b = in->buf;

        if (ngx_buf_in_memory(b)) {
            len = b->last - b->pos;
            room = seam::login_check_max_answer + 1 - job->answer_body.size();

            if (len > room) {
                job->answer_whole = false;
                len = room;
            }

            try {
                job->answer_body.append(reinterpret_cast<const char *>(b->pos),
                                        len);

            } catch (const std::bad_alloc &) {
                job->answer_whole = false;
            }

            b->pos = b->last;

        } else if (ngx_buf_size(b)) {
            /* spilled to a temporary file: far more than is read */
            job->answer_whole = false;
        }

        if (b->in_file) {
            b->file_pos = b->file_last;
        }
    }

    return NGX_OK;
}


void
ngx_http_seam_oauth_login_check_filters()
{
    ngx_http_seam_oauth_next_header = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_seam_oauth_capture_header;

    ngx_http_seam_oauth_next_body = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_seam_oauth_capture_body;
}


/*
 * The subrequest is finalized, maybe more than once: the first time, its
 * answer is taken. nginx's own error in its place (the login API refused
 * or timed out: 502, 504) is kept as that, and no error page is made for
 * it: the owner gets the module's.
 */
static ngx_int_t
ngx_http_seam_oauth_login_check_done(ngx_http_request_t *sr, void *data,
    ngx_int_t rc)
{
    ngx_chain_t              *cl;
    ngx_http_seam_oauth_job  *job;

    job = static_cast<ngx_http_seam_oauth_job *>(data);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, sr->connection->log, 0,
                   "seam_oauth login check done: rc:%i status:%ui "
                   "answered:%d", rc, sr->headers_out.status,
                   (int) job->answered);

    if (job->answered) {
        return rc;
    }

    job->answered = true;
    job->answer_status = sr->headers_out.status;

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE
        || rc == NGX_HTTP_CREATED || rc == NGX_HTTP_NO_CONTENT)
    {
        /* not the login API's answer: nginx's, in its place */
        job->answer_nginx_status = rc;

    } else if (rc == NGX_ERROR) {
        job->answer_whole = false;

    } else if (!job->answer_captured) {
        /* the ctx was lost: nginx's in-memory buffer has the body */
        try {
            for (cl = sr->out; cl; cl = cl->next) {
                job->answer_body.append(
                    reinterpret_cast<const char *>(cl->buf->pos),
                    cl->buf->last - cl->buf->pos);
            }

        } catch (const std::bad_alloc &) {
            job->answer_whole = false;
        }
    }

    if (rc == NGX_HTTP_REQUEST_TIME_OUT || rc == NGX_HTTP_CLIENT_CLOSED_REQUEST)
    {
        /* the owner's connection failed: nothing will be answered */
        return rc;
    }

    if (rc == NGX_ERROR || rc >= NGX_HTTP_SPECIAL_RESPONSE
        || rc == NGX_HTTP_CREATED || rc == NGX_HTTP_NO_CONTENT)
    {
        /* ended here, without an error page */
        return NGX_OK;
    }

    return rc;
}


/* The parent, woken when the subrequest is done: the verdict, then the
 * second step. */
static void
ngx_http_seam_oauth_login_check_resume(ngx_http_request_t *r)
{
    ngx_int_t                        rc;
    ngx_http_seam_oauth_ctx_t       *ctx;
    ngx_http_seam_oauth_job         *job;
    ngx_http_seam_oauth_loc_conf_t  *slcf;

    ctx = static_cast<ngx_http_seam_oauth_ctx_t *>(
              ngx_http_get_module_ctx(r, ngx_http_seam_oauth_module));

    if (ctx == NULL || ctx->job == NULL || !ctx->job->answered) {
        return;
    }

    job = ctx->job;
    ctx->job = NULL;

    r->write_event_handler = ngx_http_request_empty_handler;

    slcf = ngx_http_seam_oauth_loc_conf(r);

    try {
        seam::login_check_answer  answer;

        answer.status = static_cast<int>(job->answer_status);
        answer.nginx_status = job->answer_nginx_status;
        answer.body = job->answer_body;
        answer.whole = job->answer_whole;

        job->checked = seam::login_check_verdict(answer,
                           ngx_http_seam_oauth_view(slcf->login_check->field));

        rc = ngx_http_seam_oauth_login_check_finish(r, job);

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: login check: %s", e.what());
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc != NGX_DONE) {
        ngx_http_finalize_request(r, rc);
    }
}


/* The second step: the verdict finishes the sign-in, in a thread. */
static ngx_int_t
ngx_http_seam_oauth_login_check_finish(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job)
{
    job->work = ngx_http_seam_oauth_finish;
    job->next = NULL;
    job->done = ngx_http_seam_oauth_sign_in_done;

    if (ngx_http_seam_oauth_post_job(r, job, false) != NGX_OK) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    return NGX_DONE;
}


static void
ngx_http_seam_oauth_finish(ngx_http_seam_oauth_job *job)
{
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = ngx_http_seam_oauth_main_conf(job->request);

    job->signed_in = seam::finish_sign_in(*ngx_http_seam_oauth_worker.store,
                                          *smcf->oauth, job->sign_in,
                                          std::move(job->checked),
                                          job->authorized_ms);
}
