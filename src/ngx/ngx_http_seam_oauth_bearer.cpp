
/*
 * The bearer check in front of the device API: as the auth_request
 * subrequest's handler (seam_oauth_check), in the access phase
 * (seam_oauth_bearer on), and the error_page location behind
 * auth_request (seam_oauth_denied); and the variables it sets. On the
 * event loop, allocation-light: one SHA-256 and one LMDB read.
 */


#include "ngx_http_seam_oauth.h"


enum {
    NGX_HTTP_SEAM_OAUTH_VAR_USER_ID,
    NGX_HTTP_SEAM_OAUTH_VAR_CLIENT_ID,
    NGX_HTTP_SEAM_OAUTH_VAR_SCOPE
};


static ngx_int_t ngx_http_seam_oauth_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_seam_oauth_denial_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


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


/* One result for every check of this worker: checks run one at a time on
 * the event loop, and its strings keep their capacity, so a warm check
 * allocates nothing on the heap. */
static seam::bearer_result  ngx_http_seam_oauth_bearer_result;


ngx_int_t
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


/* Keeps the denial on the main request, where variables survive the
 * error_page redirect to a "seam_oauth_denied" location (bearer.h), in one
 * pool buffer whose tail is the WWW-Authenticate value sent here for
 * auth_request to copy. */
static ngx_int_t
ngx_http_seam_oauth_record_denial(ngx_http_request_t *r,
    const seam::bearer_result &result, ngx_str_t *denial, bool send)
{
    ngx_str_t                         challenge;
    ngx_http_variable_value_t        *vv;
    ngx_http_seam_oauth_main_conf_t  *smcf = ngx_http_seam_oauth_main_conf(r);

    static ngx_str_t  www_authenticate = ngx_string("WWW-Authenticate");

    vv = &r->main->variables[smcf->denial_index];
    vv->len = seam::denial_size(result);
    vv->data = static_cast<u_char *>(ngx_pnalloc(r->pool, vv->len));
    if (vv->data == NULL) {
        return NGX_ERROR;
    }

    seam::write_denial(reinterpret_cast<char *>(vv->data), result);

    vv->valid = 1;
    vv->no_cacheable = 0;
    vv->not_found = 0;

    denial->data = vv->data;
    denial->len = vv->len;

    if (!send) {
        return NGX_OK;
    }

    std::string_view  c = seam::denial_challenge(
                              std::string_view((char *) vv->data, vv->len));

    challenge.data = (u_char *) c.data();
    challenge.len = c.size();

    return ngx_http_seam_oauth_add_header(r, www_authenticate, challenge);
}


/* The bearer check of one request: fills the ctx on success, records the
 * denial otherwise (in `denial` too); the status it decided is in
 * `result`. */
static ngx_int_t
ngx_http_seam_oauth_check(ngx_http_request_t *r,
    ngx_http_seam_oauth_loc_conf_t *slcf, seam::bearer_result &result,
    ngx_str_t *denial, bool challenge)
{
    u_char                           *p;
    ngx_str_t                         required_scope = ngx_null_string;
    ngx_http_seam_oauth_ctx_t        *ctx;
    ngx_http_seam_oauth_main_conf_t  *smcf = ngx_http_seam_oauth_main_conf(r);

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

    seam::check_bearer(*ngx_http_seam_oauth_worker.store, header,
                       smcf->oauth->realm, ngx_time(),
                       ngx_http_seam_oauth_view(required_scope), result);

    ngx_http_seam_oauth_count_bearer(r, result);

    if (result.status != NGX_HTTP_NO_CONTENT) {
        return ngx_http_seam_oauth_record_denial(r, result, denial,
                                                 challenge);
    }

    /* the variables' values, in one pool allocation */
    const seam::access_token_record  &t = result.token;

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


ngx_int_t
ngx_http_seam_oauth_check_handler(ngx_http_request_t *r)
{
    ngx_int_t                        rc;
    ngx_str_t                        denial;
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
        if (ngx_http_seam_oauth_check(r, slcf, result, &denial, true)
            != NGX_OK) {
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
 * subrequest; a denial is answered at once with the check's own status,
 * challenge and JSON error, as the denied location does for auth_request. */
ngx_int_t
ngx_http_seam_oauth_access_handler(ngx_http_request_t *r)
{
    ngx_int_t                        rc;
    ngx_str_t                        denial;
    ngx_http_seam_oauth_loc_conf_t  *slcf = ngx_http_seam_oauth_loc_conf(r);
    ngx_http_seam_oauth_main_conf_t *smcf;

    seam::bearer_result  &result = ngx_http_seam_oauth_bearer_result;

    if (!slcf->bearer) {
        return NGX_DECLINED;
    }

    if (ngx_http_seam_oauth_worker.store == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: \"seam_oauth_bearer\" needs "
                      "\"seam_oauth_store\"");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    try {
        if (ngx_http_seam_oauth_check(r, slcf, result, &denial, false)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (result.status == NGX_HTTP_NO_CONTENT) {
            return NGX_OK;
        }

        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        smcf = ngx_http_seam_oauth_main_conf(r);

        rc = ngx_http_seam_oauth_send(r,
                 seam::denial_answer(ngx_http_seam_oauth_view(denial),
                                     smcf->oauth->realm));

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: bearer check: %s", e.what());
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


/* The error_page location behind auth_request: answers with the status,
 * WWW-Authenticate challenge and JSON error that the check decided. */
ngx_int_t
ngx_http_seam_oauth_denied_handler(ngx_http_request_t *r)
{
    ngx_uint_t                        i;
    ngx_list_part_t                  *part;
    ngx_table_elt_t                  *h;
    ngx_http_variable_value_t        *vv;
    ngx_http_seam_oauth_main_conf_t  *smcf = ngx_http_seam_oauth_main_conf(r);

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    vv = ngx_http_get_indexed_variable(r, smcf->denial_index);

    std::string_view  denial;

    if (vv != NULL && !vv->not_found) {
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
        return ngx_http_seam_oauth_send(r,
                   seam::denial_answer(denial, smcf->oauth->realm));

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: denied: %s", e.what());
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
}


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


/* Set only by a check's denial, on the main request. */
static ngx_int_t
ngx_http_seam_oauth_denial_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    v->not_found = 1;

    return NGX_OK;
}
