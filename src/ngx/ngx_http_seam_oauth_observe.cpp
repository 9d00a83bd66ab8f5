
/*
 * What happened, counted and written down: the metrics' shared block
 * (metrics.h) in an nginx shared memory zone that every worker adds to
 * and a reload keeps, the seam_oauth_metrics handler that renders it, and
 * the audit log (audit.h), a file opened by nginx's own machinery (so
 * `nginx -s reopen` reopens it) or a syslog server. The events come with
 * the core's answers; the bearer checks and the jobs' times are counted
 * where they happen.
 */


#include "ngx_http_seam_oauth.h"

#include "audit.h"
#include "secrets.h"

#include <time.h>


static ngx_str_t  ngx_http_seam_oauth_metrics_zone_name =
    ngx_string("seam_oauth_metrics");


/* The block in the zone: made once, kept across reloads (the zone is
 * reused while its name and size stay, and `data` carries the block). */
static ngx_int_t
ngx_http_seam_oauth_metrics_zone_init(ngx_shm_zone_t *zone, void *data)
{
    ngx_slab_pool_t  *shpool;

    if (data) {
        zone->data = data;
        return NGX_OK;
    }

    shpool = reinterpret_cast<ngx_slab_pool_t *>(zone->shm.addr);

    if (zone->shm.exists) {
        zone->data = shpool->data;
        return NGX_OK;
    }

    /* zeroed memory is the block's initial state (metrics.h) */
    void  *block = ngx_slab_calloc(shpool, sizeof(seam::metrics_block));
    if (block == NULL) {
        return NGX_ERROR;
    }

    shpool->data = block;
    zone->data = block;

    return NGX_OK;
}


/* seam_oauth_metrics; (a location's handler; its zone made once) */
char *
ngx_http_seam_oauth_metrics_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    char                             *rv;
    ngx_http_seam_oauth_main_conf_t  *smcf;

    rv = ngx_http_seam_oauth_handler_directive(cf, cmd, conf);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    smcf = ngx_http_seam_oauth_conf_main_conf(cf);

    if (smcf->metrics_zone) {
        return NGX_CONF_OK;
    }

    smcf->metrics_zone = ngx_shared_memory_add(cf,
                             &ngx_http_seam_oauth_metrics_zone_name,
                             8 * ngx_pagesize, &ngx_http_seam_oauth_module);
    if (smcf->metrics_zone == NULL) {
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    smcf->metrics_zone->init = ngx_http_seam_oauth_metrics_zone_init;

    return NGX_CONF_OK;
}


/* The shared block, or NULL when no location has seam_oauth_metrics:
 * then nothing is counted. */
static seam::metrics_block *
ngx_http_seam_oauth_block(ngx_http_seam_oauth_main_conf_t *smcf)
{
    if (smcf->metrics_zone == NULL) {
        return NULL;
    }

    return static_cast<seam::metrics_block *>(smcf->metrics_zone->data);
}


/* seam_oauth_audit_log PATH | syslog:server=... | off; */
char *
ngx_http_seam_oauth_audit_log_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_str_t                        *value;
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = static_cast<ngx_http_seam_oauth_main_conf_t *>(conf);

    if (smcf->audit_file || smcf->audit_syslog || smcf->audit_off) {
        return const_cast<char *>("is duplicate");
    }

    value = static_cast<ngx_str_t *>(cf->args->elts);

    if (ngx_strcmp(value[1].data, "off") == 0) {
        smcf->audit_off = 1;
        return NGX_CONF_OK;
    }

    if (ngx_strncmp(value[1].data, "syslog:", 7) == 0) {
        smcf->audit_syslog = static_cast<ngx_syslog_peer_t *>(
            ngx_pcalloc(cf->pool, sizeof(ngx_syslog_peer_t)));
        if (smcf->audit_syslog == NULL) {
            return static_cast<char *>(NGX_CONF_ERROR);
        }

        /* server=, facility=, severity=, tag=, nohostname: error_log's */
        return ngx_syslog_process_conf(cf, smcf->audit_syslog);
    }

    /* a file of the cycle's: opened (as root, before the workers drop to
     * nginx's user) and reopened on USR1 with the access logs */
    smcf->audit_file = ngx_conf_open_file(cf->cycle, &value[1]);
    if (smcf->audit_file == NULL) {
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    return NGX_CONF_OK;
}


/* The variable index of $request_id, for the audit lines. */
ngx_int_t
ngx_http_seam_oauth_observe_init(ngx_conf_t *cf,
    ngx_http_seam_oauth_main_conf_t *smcf)
{
    static ngx_str_t  request_id = ngx_string("request_id");

    smcf->request_id_index = NGX_ERROR;

    if (smcf->audit_file || smcf->audit_syslog) {
        smcf->request_id_index = ngx_http_get_variable_index(cf, &request_id);
        if (smcf->request_id_index == NGX_ERROR) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static void
ngx_http_seam_oauth_audit_write(ngx_http_request_t *r,
    ngx_http_seam_oauth_main_conf_t *smcf, const std::string &line)
{
    ssize_t   n;
    /* syslog's header (PRI, time, host, tag), then the line */
    u_char    buf[NGX_MAXHOSTNAMELEN + 4096];
    u_char   *p;

    if (smcf->audit_syslog) {
        /* the line without its newline, after syslog's header */
        size_t  len = line.size() - 1;

        p = ngx_syslog_add_header(smcf->audit_syslog, buf);
        len = ngx_min(len, (size_t) (buf + sizeof(buf) - p));
        p = ngx_cpymem(p, line.data(), len);

        n = ngx_syslog_send(smcf->audit_syslog, buf, p - buf);
        if (n < 0) {
            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "seam_oauth: the audit log: send() to syslog "
                          "failed");
        }

        return;
    }

    /* one write(2) a line on an O_APPEND file: lines of all workers
     * never interleave */
    n = ngx_write_fd(smcf->audit_file->fd, (void *) line.data(), line.size());

    if (n != (ssize_t) line.size()) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, ngx_errno,
                      "seam_oauth: the audit log \"%V\": "
                      ngx_write_fd_n " wrote %z of %uz",
                      &smcf->audit_file->name, n, line.size());
    }
}


/* The events of an answer being sent: counted, and audited. */
void
ngx_http_seam_oauth_record(ngx_http_request_t *r,
    const std::vector<seam::event> &events)
{
    ngx_http_variable_value_t        *vv;
    ngx_http_seam_oauth_main_conf_t  *smcf = ngx_http_seam_oauth_main_conf(r);
    seam::metrics_block              *block = ngx_http_seam_oauth_block(smcf);

    bool  audit = smcf->audit_file || smcf->audit_syslog;

    for (const seam::event &e : events) {
        if (block) {
            seam::count(*block, e.kind);
        }

        if (!audit || !seam::audited(e.kind)) {
            continue;
        }

        seam::audit_context  ctx;

        ctx.time_ms = seam::now_ms();
        ctx.remote_addr = ngx_http_seam_oauth_address(r);

        vv = ngx_http_get_indexed_variable(r->main, smcf->request_id_index);
        if (vv && !vv->not_found) {
            ctx.request_id = std::string_view(
                reinterpret_cast<const char *>(vv->data), vv->len);
        }

        ngx_http_seam_oauth_audit_write(r, smcf, seam::audit_line(e, ctx));
    }
}


void
ngx_http_seam_oauth_count_bearer(ngx_http_request_t *r,
    const seam::bearer_result &result)
{
    seam::metrics_block  *block;

    block = ngx_http_seam_oauth_block(ngx_http_seam_oauth_main_conf(r));

    if (block) {
        seam::count(*block, seam::bearer_outcome_of(result.status,
                        result.error != seam::oauth_error::none,
                        result.error
                        == seam::oauth_error::insufficient_scope));
    }
}


/* A monotonic clock in microseconds, for the jobs' times. */
uint64_t
ngx_http_seam_oauth_clock_us()
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return static_cast<uint64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}


void
ngx_http_seam_oauth_observe_job(ngx_cycle_t *cycle, seam::job_kind job,
    uint64_t started_us)
{
    seam::metrics_block  *block;

    block = ngx_http_seam_oauth_block(
                ngx_http_seam_oauth_cycle_main_conf(cycle));

    if (block && started_us) {
        seam::observe_job(*block, job,
                          ngx_http_seam_oauth_clock_us() - started_us);
    }
}


void
ngx_http_seam_oauth_observe_batch(ngx_cycle_t *cycle, size_t redemptions)
{
    seam::metrics_block  *block;

    block = ngx_http_seam_oauth_block(
                ngx_http_seam_oauth_cycle_main_conf(cycle));

    if (block) {
        seam::observe_batch(*block, redemptions);
    }
}


/* GET (or HEAD) of a seam_oauth_metrics location. */
ngx_int_t
ngx_http_seam_oauth_metrics_handler(ngx_http_request_t *r)
{
    seam::http_answer                 a;
    ngx_http_seam_oauth_main_conf_t  *smcf = ngx_http_seam_oauth_main_conf(r);

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return ngx_http_seam_oauth_send(r,
                   seam::method_not_allowed("GET, HEAD"));
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    try {
        seam::store_gauges  g;
        seam::store::usage  u = ngx_http_seam_oauth_worker.store->stats();

        g.grants = u.entries[static_cast<int>(seam::table::grants)];
        g.access_tokens = u.entries[static_cast<int>(seam::table::tokens)];
        g.refresh_tokens = u.entries[static_cast<int>(seam::table::refresh)];
        g.codes = u.entries[static_cast<int>(seam::table::codes)];
        g.sessions = u.entries[static_cast<int>(seam::table::sessions)];
        g.used_bytes = u.used_bytes;
        g.map_size = u.map_size;

        a.content_type = std::string(seam::metrics_content_type);
        a.body = seam::render_metrics(*ngx_http_seam_oauth_block(smcf), g);
        a.headers.emplace_back("Cache-Control", "no-store");

        return ngx_http_seam_oauth_send(r, a);

    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: metrics: %s", e.what());
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
}
