
/*
 * The directives' parsers: each writes its value where the module keeps
 * it (seam::oauth_config, seam::store_options, the location's handler);
 * the checks of what a value means are the core's.
 */


#include "ngx_http_seam_oauth.h"

#include "page_template.h"

#include "seam_oauth_templates.inc"


static char *ngx_http_seam_oauth_store_option(ngx_conf_t *cf,
    seam::store_options *store, ngx_str_t *option, unsigned *seen);
static seam::page_template *ngx_http_seam_oauth_load_template(ngx_conf_t *cf,
    ngx_str_t *path, const char *builtin,
    const std::vector<std::string> &fields, seam::page_template *t);


static char *
ngx_http_seam_oauth_conf_error(ngx_conf_t *cf, const std::string &error)
{
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", error.c_str());
    return static_cast<char *>(NGX_CONF_ERROR);
}


char *
ngx_http_seam_oauth_store_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_seam_oauth_main_conf_t *smcf =
        static_cast<ngx_http_seam_oauth_main_conf_t *>(conf);

    char       *rv;
    unsigned    seen = 0;
    ngx_str_t  *value, path;

    if (!smcf->store->path.empty()) {
        return const_cast<char *>("is duplicate");
    }

    value = static_cast<ngx_str_t *>(cf->args->elts);

    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 0) != NGX_OK) {
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    try {
        seam::store_options  *store = smcf->store;

        store->path.assign(reinterpret_cast<char *>(path.data), path.len);
        store->map_size = seam::module_map_size;

        for (ngx_uint_t i = 2; i < cf->args->nelts; i++) {
            rv = ngx_http_seam_oauth_store_option(cf, store, &value[i],
                                                  &seen);
            if (rv != NGX_CONF_OK) {
                return rv;
            }
        }

    } catch (const std::exception &e) {
        return ngx_http_seam_oauth_conf_error(cf, e.what());
    }

    return NGX_CONF_OK;
}


/* One "name=value" of seam_oauth_store: map_size=, sync=, grow=, each
 * once. */
static char *
ngx_http_seam_oauth_store_option(ngx_conf_t *cf, seam::store_options *store,
    ngx_str_t *option, unsigned *seen)
{
    ngx_str_t         s;
    std::string_view  o = ngx_http_seam_oauth_view(*option);
    unsigned          bit;

    size_t  eq = o.find('=');
    std::string_view  name = o.substr(0, eq == std::string_view::npos
                                         ? o.size() : eq + 1);

    bit = name == "map_size=" ? 1 : name == "sync=" ? 2
          : name == "grow=" ? 4 : 0;

    if (bit == 0 || (*seen & bit)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid or repeated parameter \"%V\"", option);
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    *seen |= bit;
    s.data = option->data + name.size();
    s.len = option->len - name.size();

    if (bit == 1) {
        /* ngx_parse_offset, unlike ngx_parse_size, knows "g" */
        off_t  size = ngx_parse_offset(&s);

        if (size == NGX_ERROR || size < 64 * 1024) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid map_size \"%V\"", &s);
            return static_cast<char *>(NGX_CONF_ERROR);
        }

        store->map_size = static_cast<size_t>(size);
        return NGX_CONF_OK;
    }

    if (bit == 2) {
        std::string_view  v = ngx_http_seam_oauth_view(s);

        if (v != "full" && v != "nometa") {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid sync \"%V\" "
                               "(want \"full\" or \"nometa\")", &s);
            return static_cast<char *>(NGX_CONF_ERROR);
        }

        store->meta_sync = v == "full";
        return NGX_CONF_OK;
    }

    off_t  size = ngx_parse_offset(&s);

    /* 0: the file grows as LMDB writes. Above 64m, the commit after a
     * top-up would flush tens of megabytes while every worker's writes
     * wait. */
    if (size == NGX_ERROR
        || (size != 0 && (size < 64 * 1024 || size > 64 * 1024 * 1024)))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid grow \"%V\" (want 0, or 64k to 64m)",
                           &s);
        return static_cast<char *>(NGX_CONF_ERROR);
    }

    store->grow_step = static_cast<size_t>(size);

    return NGX_CONF_OK;
}


char *
ngx_http_seam_oauth_client_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_seam_oauth_main_conf_t *smcf =
        static_cast<ngx_http_seam_oauth_main_conf_t *>(conf);

    ngx_str_t  *value = static_cast<ngx_str_t *>(cf->args->elts);

    try {
        std::vector<std::string_view>  options;

        for (ngx_uint_t i = 2; i < cf->args->nelts; i++) {
            options.push_back(ngx_http_seam_oauth_view(value[i]));
        }

        std::string  error = seam::add_client(*smcf->oauth,
                                 ngx_http_seam_oauth_view(value[1]),
                                 options);
        if (!error.empty()) {
            return ngx_http_seam_oauth_conf_error(cf,
                       "seam_oauth_client: " + error);
        }

    } catch (const std::exception &e) {
        return ngx_http_seam_oauth_conf_error(cf,
                   std::string("seam_oauth_client: ") + e.what());
    }

    return NGX_CONF_OK;
}


/* The value directives: one field of seam::oauth_config each. */
/* The rules of the values (oauth_config::check), where the value is
 * read: an error then names the file and line of this directive, an
 * included file's too. Every other value is still its valid default or
 * was checked when it was read, so an error is this one's. */
static char *
ngx_http_seam_oauth_check_value(ngx_conf_t *cf,
    ngx_http_seam_oauth_main_conf_t *smcf)
{
    try {
        std::string  error = smcf->oauth->check();

        if (!error.empty()) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", error.c_str());
            return static_cast<char *>(NGX_CONF_ERROR);
        }

    } catch (const std::exception &e) {
        return ngx_http_seam_oauth_conf_error(cf, e.what());
    }

    return NGX_CONF_OK;
}


char *
ngx_http_seam_oauth_set_value(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_seam_oauth_main_conf_t *smcf =
        static_cast<ngx_http_seam_oauth_main_conf_t *>(conf);

    const ngx_http_seam_oauth_field_t *field =
        static_cast<const ngx_http_seam_oauth_field_t *>(cmd->post);

    ngx_str_t  *value = static_cast<ngx_str_t *>(cf->args->elts);
    ngx_int_t   n;

    if (smcf->given & (uint64_t(1) << field->bit)) {
        return const_cast<char *>("is duplicate");
    }

    smcf->given |= uint64_t(1) << field->bit;

    switch (field->kind) {

    case ngx_http_seam_oauth_field_t::seconds:
        n = ngx_parse_time(&value[1], 1);
        break;

    case ngx_http_seam_oauth_field_t::number:
        n = ngx_atoi(value[1].data, value[1].len);
        break;

    default:
        try {
            smcf->oauth->*field->string =
                std::string(ngx_http_seam_oauth_view(value[1]));

        } catch (const std::exception &e) {
            return ngx_http_seam_oauth_conf_error(cf, e.what());
        }

        return ngx_http_seam_oauth_check_value(cf, smcf);
    }

    if (n == NGX_ERROR) {
        return const_cast<char *>("invalid value");
    }

    smcf->oauth->*field->value = static_cast<uint64_t>(n);

    return ngx_http_seam_oauth_check_value(cf, smcf);
}


char *
ngx_http_seam_oauth_handler_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_core_loc_conf_t         *clcf;
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = ngx_http_seam_oauth_conf_main_conf(cf);

    if (smcf->store->path.empty()
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
    std::string           *path = NULL;
    seam::endpoint_paths  &paths = smcf->oauth->paths;

    if (cmd->post == (void *) ngx_http_seam_oauth_authorize_handler) {
        path = &paths.authorize;

    } else if (cmd->post == (void *) ngx_http_seam_oauth_token_handler) {
        path = &paths.token;

    } else if (cmd->post == (void *) ngx_http_seam_oauth_revoke_handler) {
        path = &paths.revoke;

    } else if (cmd->post == (void *) ngx_http_seam_oauth_introspect_handler)
    {
        path = &paths.introspect;
    }

    if (path != NULL) {
        try {
            path->assign(reinterpret_cast<char *>(clcf->name.data),
                         clcf->name.len);

        } catch (const std::exception &e) {
            return ngx_http_seam_oauth_conf_error(cf, e.what());
        }
    }

    return NGX_CONF_OK;
}


char *
ngx_http_seam_oauth_scope_description(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_seam_oauth_main_conf_t *smcf =
        static_cast<ngx_http_seam_oauth_main_conf_t *>(conf);

    ngx_str_t  *value = static_cast<ngx_str_t *>(cf->args->elts);

    try {
        smcf->oauth->scope_descriptions[
            std::string(ngx_http_seam_oauth_view(value[1]))] =
            std::string(ngx_http_seam_oauth_view(value[2]));

    } catch (const std::exception &e) {
        return ngx_http_seam_oauth_conf_error(cf, e.what());
    }

    return NGX_CONF_OK;
}


char *
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


/* The three pages, from seam_oauth_*_template files or html/ built in. */
seam::page_set *
ngx_http_seam_oauth_load_pages(ngx_conf_t *cf,
    ngx_http_seam_oauth_main_conf_t *smcf)
{
    seam::page_set  *pages;

    pages = ngx_http_seam_oauth_pool_new<seam::page_set>(cf->pool);
    if (pages == NULL) {
        return NULL;
    }

    struct {
        ngx_str_t                       *path;
        const char                      *builtin;
        const std::vector<std::string>  &fields;
        seam::page_template             *page;
    } pages_of[] = {
        {&smcf->login_template, seam_oauth_login_html,
         seam::login_page_fields(), &pages->login},
        {&smcf->consent_template, seam_oauth_consent_html,
         seam::consent_page_fields(), &pages->consent},
        {&smcf->error_template, seam_oauth_error_html,
         seam::error_page_fields(), &pages->error},
    };

    try {
        for (auto &p : pages_of) {
            if (ngx_http_seam_oauth_load_template(cf, p.path, p.builtin,
                                                  p.fields, p.page)
                == NULL)
            {
                return NULL;
            }
        }

    } catch (const std::exception &e) {
        ngx_http_seam_oauth_conf_error(cf, e.what());
        return NULL;
    }

    return pages;
}


static seam::page_template *
ngx_http_seam_oauth_load_template(ngx_conf_t *cf, ngx_str_t *path,
    const char *builtin, const std::vector<std::string> &fields,
    seam::page_template *t)
{
    std::string           text, error;
    ngx_fd_t              fd;
    ngx_file_info_t       fi;

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

    *t = std::move(*parsed);

    return t;
}
