
/*
 * Responses and request helpers: an answer of the core sent through
 * nginx (with its log notes), headers, the request body, cookies, and
 * what the request says of its own origin.
 */


#include "ngx_http_seam_oauth.h"

#include "cookies.h"

#include <map>


static const ngx_uint_t  ngx_http_seam_oauth_log_levels[] = {
    NGX_LOG_INFO,    /* seam::log_note::level::info */
    NGX_LOG_WARN,    /* warn */
    NGX_LOG_ERR,     /* error */
};


/* A limited note is written at most once every this many seconds. */
#define NGX_HTTP_SEAM_OAUTH_LOG_EVERY  10


/* The limited notes of this worker (the event loop only): when each was
 * last written, and how often it came since. */
struct ngx_http_seam_oauth_log_limit_t {
    time_t      logged;
    ngx_uint_t  since;
};

static std::map<std::string, ngx_http_seam_oauth_log_limit_t>
    ngx_http_seam_oauth_log_limits;


void
ngx_http_seam_oauth_log_notes(ngx_log_t *log, const seam::http_answer &a)
{
    for (const seam::log_note &n : a.log) {
        ngx_uint_t  level = ngx_http_seam_oauth_log_levels[
                                static_cast<int>(n.at)];

        if (!n.limited) {
            ngx_log_error(level, log, 0, "seam_oauth: %s", n.text.c_str());
            continue;
        }

        auto  &limits = ngx_http_seam_oauth_log_limits;

        if (limits.size() > 64) {
            limits.clear();
        }

        auto  &seen = limits[n.text];

        if (seen.logged + NGX_HTTP_SEAM_OAUTH_LOG_EVERY > ngx_time()) {
            seen.since++;
            continue;
        }

        if (seen.since) {
            ngx_log_error(level, log, 0,
                          "seam_oauth: %s (and %ui times more in the last "
                          "%T s)", n.text.c_str(), seen.since,
                          ngx_time() - seen.logged);
        } else {
            ngx_log_error(level, log, 0, "seam_oauth: %s", n.text.c_str());
        }

        seen.logged = ngx_time();
        seen.since = 0;
    }
}


ngx_int_t
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


/* A copy in the request pool: header lists outlive the answer, and the
 * log phase may still read them ($sent_http_...). */
static u_char *
ngx_http_seam_oauth_pool_copy(ngx_http_request_t *r, std::string_view s)
{
    u_char  *p = static_cast<u_char *>(ngx_pnalloc(r->pool, s.size() + 1));

    if (p != NULL) {
        ngx_memcpy(p, s.data(), s.size());
    }

    return p;
}


ngx_int_t
ngx_http_seam_oauth_send(ngx_http_request_t *r, const seam::http_answer &a)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    ngx_http_seam_oauth_log_notes(r->connection->log, a);
    ngx_http_seam_oauth_record(r, a.events);

    for (const auto &h : a.headers) {
        ngx_str_t  name, value;

        name.len = h.first.size();
        name.data = ngx_http_seam_oauth_pool_copy(r, h.first);
        value.len = h.second.size();
        value.data = ngx_http_seam_oauth_pool_copy(r, h.second);

        if (name.data == NULL || value.data == NULL
            || ngx_http_seam_oauth_add_header(r, name, value) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    r->headers_out.status = a.status;
    r->headers_out.content_length_n = a.body.size();

    r->headers_out.content_type.len = a.content_type.size();
    r->headers_out.content_type.data =
        ngx_http_seam_oauth_pool_copy(r, a.content_type);
    if (r->headers_out.content_type.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
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


ngx_table_elt_t *
ngx_http_seam_oauth_header_in(ngx_http_request_t *r, std::string_view name)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

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

        if (h[i].key.len == name.size()
            && ngx_strncasecmp(h[i].key.data, (u_char *) name.data(),
                               name.size()) == 0)
        {
            return &h[i];
        }
    }
}


/* The request body as one string; false when it is over the limit. */
bool
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


ngx_int_t
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


/* The value of cookie `name`, or "" (the core checks its shape). */
std::string_view
ngx_http_seam_oauth_cookie(ngx_http_request_t *r, std::string_view name)
{
    ngx_str_t  key, value;

    key.data = (u_char *) name.data();
    key.len = name.size();

    if (ngx_http_parse_multi_header_lines(&r->headers_in.cookies, &key,
                                          &value)
        == NGX_DECLINED)
    {
        return {};
    }

    return ngx_http_seam_oauth_view(value);
}


bool
ngx_http_seam_oauth_tls(ngx_http_request_t *r)
{
#if (NGX_HTTP_SSL)
    return r->connection->ssl != NULL;
#else
    return false;
#endif
}


std::string
ngx_http_seam_oauth_issuer(ngx_http_request_t *r)
{
    ngx_http_seam_oauth_main_conf_t  *smcf = ngx_http_seam_oauth_main_conf(r);

    return seam::issuer_of(*smcf->oauth, ngx_http_seam_oauth_tls(r),
                           r->headers_in.host
                           ? ngx_http_seam_oauth_view(
                                 r->headers_in.host->value)
                           : ngx_http_seam_oauth_view(r->headers_in.server));
}


std::string_view
ngx_http_seam_oauth_address(ngx_http_request_t *r)
{
    return ngx_http_seam_oauth_view(r->connection->addr_text);
}
