
/*
 * Work off the event loop: a request's job runs in a thread pool (a
 * sign-in's argon2id in the hash pool), redemptions wait for a group
 * commit, and one worker sweeps expired records on a timer. Every job
 * ends in one routine on the event loop, which sends the answer its
 * `done` builds and finalizes the request.
 */


#include "ngx_http_seam_oauth.h"

#include "sweep.h"

#include <mutex>
#include <vector>


typedef struct {
    ngx_http_request_t         *request;
    ngx_http_seam_oauth_job    *job;
} ngx_http_seam_oauth_task_ctx_t;


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


static void ngx_http_seam_oauth_job_run(void *data, ngx_log_t *log);
static void ngx_http_seam_oauth_job_done(ngx_event_t *ev);
static void ngx_http_seam_oauth_complete(ngx_http_seam_oauth_job *job,
    const std::string &failure);
static void ngx_http_seam_oauth_batch_start(ngx_log_t *log);
static void ngx_http_seam_oauth_batch_run(void *data, ngx_log_t *log);
static void ngx_http_seam_oauth_batch_done(ngx_event_t *ev);
static void ngx_http_seam_oauth_sweep_timer(ngx_event_t *ev);
static void ngx_http_seam_oauth_sweep_run(void *data, ngx_log_t *log);
static void ngx_http_seam_oauth_sweep_done(ngx_event_t *ev);


/*
 * Jobs posted and not yet answered. While there are any, a timer that is
 * not cancelable keeps a worker that is exiting (nginx -s reload, a
 * binary upgrade) alive until they are answered: nginx waits for such
 * timers, not for thread tasks, and a redemption committed but never
 * answered would lose the client its code.
 */
static ngx_uint_t   ngx_http_seam_oauth_jobs_pending;
static ngx_event_t  ngx_http_seam_oauth_busy_event;

static ngx_http_seam_oauth_redeem_queue_t  *ngx_http_seam_oauth_redeem_queue;
static ngx_http_seam_oauth_batch  *ngx_http_seam_oauth_batch_in_flight;
static ngx_thread_task_t  *ngx_http_seam_oauth_batch_task;
static ngx_thread_task_t  *ngx_http_seam_oauth_sweep_task;
static ngx_event_t         ngx_http_seam_oauth_sweep_event;


/* jobs */


static void
ngx_http_seam_oauth_busy_timer(ngx_event_t *ev)
{
    if (ngx_http_seam_oauth_jobs_pending) {
        ngx_add_timer(ev, 1000);
    }
}


static void
ngx_http_seam_oauth_busy_begin()
{
    if (ngx_http_seam_oauth_jobs_pending++ == 0
        && !ngx_http_seam_oauth_busy_event.timer_set)
    {
        ngx_add_timer(&ngx_http_seam_oauth_busy_event, 1000);
    }
}


static void
ngx_http_seam_oauth_busy_end()
{
    if (--ngx_http_seam_oauth_jobs_pending == 0
        && ngx_http_seam_oauth_busy_event.timer_set)
    {
        ngx_del_timer(&ngx_http_seam_oauth_busy_event);
    }
}


static void
ngx_http_seam_oauth_job_cleanup(void *data)
{
    static_cast<ngx_http_seam_oauth_job *>(data)->~ngx_http_seam_oauth_job();
}


ngx_http_seam_oauth_job *
ngx_http_seam_oauth_job_new(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t       *cln;
    ngx_http_seam_oauth_job  *job;

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_seam_oauth_job));
    if (cln == NULL) {
        return NULL;
    }

    try {
        job = new (cln->data) ngx_http_seam_oauth_job();

    } catch (const std::exception &) {
        return NULL;
    }

    cln->handler = ngx_http_seam_oauth_job_cleanup;
    job->request = r;
    job->now = ngx_time();

    return job;
}


/* Runs `job->work` in the thread pool (a sign-in's in the hash pool),
 * then completes it on the event loop: password hashing and durable
 * commits never block other requests. */
ngx_int_t
ngx_http_seam_oauth_post_job(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job, bool hashes)
{
    ngx_str_t                        *name;
    ngx_thread_pool_t                *pool;
    ngx_thread_task_t                *task;
    ngx_http_seam_oauth_task_ctx_t   *tc;
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = ngx_http_seam_oauth_main_conf(r);

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

    pool = hashes ? smcf->hash_thread_pool : smcf->thread_pool;
    name = hashes ? &smcf->hash_thread_pool_name : &smcf->thread_pool_name;

    if (ngx_thread_task_post(pool, task) != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "seam_oauth: cannot post a task to thread pool \"%V\"",
                      name);
        return NGX_ERROR;
    }

    r->main->blocked++;
    r->aio = 1;
    ngx_http_seam_oauth_busy_begin();

    job->started_us = ngx_http_seam_oauth_clock_us();
    job->kind = hashes ? seam::job_kind::sign_in : seam::job_kind::commit;

    return NGX_OK;
}


static void
ngx_http_seam_oauth_job_run(void *data, ngx_log_t *log)
{
    ngx_http_seam_oauth_task_ctx_t *tc =
        static_cast<ngx_http_seam_oauth_task_ctx_t *>(data);

    try {
        tc->job->work(tc->job);

    } catch (const std::exception &e) {
        tc->job->failure = e.what();
    }
}


static void
ngx_http_seam_oauth_job_done(ngx_event_t *ev)
{
    ngx_http_seam_oauth_task_ctx_t *tc =
        static_cast<ngx_http_seam_oauth_task_ctx_t *>(ev->data);

    ngx_http_seam_oauth_complete(tc->job, tc->job->failure);
}


/* The one end of every job, on the event loop: the answer its `done`
 * builds (or a 500 for a failure), then the request is finalized; unless
 * its `next` goes on with more work, which ends here again. */
static void
ngx_http_seam_oauth_complete(ngx_http_seam_oauth_job *job,
    const std::string &failure)
{
    ngx_int_t            rc;
    ngx_connection_t    *c;
    ngx_http_request_t  *r = job->request;

    c = r->connection;

    ngx_http_set_log_request(c->log, r);

    r->main->blocked--;
    r->aio = 0;
    ngx_http_seam_oauth_busy_end();

    ngx_http_seam_oauth_observe_job((ngx_cycle_t *) ngx_cycle, job->kind,
                                    job->started_us);

    if (!failure.empty()) {
        ngx_log_error(NGX_LOG_ERR, c->log, 0, "seam_oauth: %s",
                      failure.c_str());
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;

    } else {
        try {
            rc = job->next ? job->next(r, job) : NGX_DECLINED;

            if (rc == NGX_DONE) {
                /* it goes on: a subrequest, or another job */
                ngx_http_run_posted_requests(c);
                return;
            }

            if (rc == NGX_DECLINED) {
                seam::http_answer  a = job->done(r, job);

                /* what was decided before the work (a consent) */
                a.events.insert(a.events.begin(), job->events.begin(),
                                job->events.end());
                rc = ngx_http_seam_oauth_send(r, a);
            }

        } catch (const std::exception &e) {
            ngx_log_error(NGX_LOG_ERR, c->log, 0, "seam_oauth: %s", e.what());
            rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    /* the request, and the job in its pool, may be gone after this */
    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
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


/* Queues a redemption for the next group commit. */
void
ngx_http_seam_oauth_post_redeem(ngx_http_request_t *r,
    ngx_http_seam_oauth_job *job)
{
    {
        std::lock_guard<std::mutex>  hold(
                                       ngx_http_seam_oauth_redeem_queue->lock);

        ngx_http_seam_oauth_redeem_queue->jobs.push_back(job);
    }

    r->main->blocked++;
    r->aio = 1;
    ngx_http_seam_oauth_busy_begin();

    job->started_us = ngx_http_seam_oauth_clock_us();

    if (ngx_http_seam_oauth_batch_in_flight == NULL) {
        ngx_http_seam_oauth_batch_start(r->connection->log);
    }
}


/* Sends a batch task to the thread pool; its thread takes the waiting
 * redemptions once it holds the write lock. Nothing here may throw into
 * nginx: a batch that cannot be made or posted fails what waits. */
static void
ngx_http_seam_oauth_batch_start(ngx_log_t *log)
{
    ngx_thread_task_t                *task = ngx_http_seam_oauth_batch_task;
    ngx_http_seam_oauth_batch        *batch;
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = ngx_http_seam_oauth_cycle_main_conf((ngx_cycle_t *) ngx_cycle);

    batch = new (std::nothrow) ngx_http_seam_oauth_batch();
    if (batch == NULL) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "seam_oauth: no memory for a group commit");
        std::vector<ngx_http_seam_oauth_job *>  jobs;
        {
            std::lock_guard<std::mutex>  hold(
                                       ngx_http_seam_oauth_redeem_queue->lock);
            jobs.swap(ngx_http_seam_oauth_redeem_queue->jobs);
        }
        for (ngx_http_seam_oauth_job *job : jobs) {
            ngx_http_seam_oauth_complete(job, "no memory");
        }
        return;
    }

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


static void
ngx_http_seam_oauth_batch_run(void *data, ngx_log_t *log)
{
    ngx_http_seam_oauth_batch  *batch =
        *static_cast<ngx_http_seam_oauth_batch **>(data);

    try {
        batch->results = seam::redeem_codes(*ngx_http_seam_oauth_worker.store,
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


static void
ngx_http_seam_oauth_batch_done(ngx_event_t *ev)
{
    size_t                      i;
    ngx_http_seam_oauth_batch  *batch;

    batch = ngx_http_seam_oauth_batch_in_flight;
    ngx_http_seam_oauth_batch_in_flight = NULL;

    /* The redemptions that arrived meanwhile commit while these answers
     * are sent: answering a batch takes the event loop about as long as a
     * commit, and the store would sit idle meanwhile. */
    if (ngx_http_seam_oauth_redeem_waiting()) {
        ngx_http_seam_oauth_batch_start(ev->log);
    }

    ngx_http_seam_oauth_observe_batch((ngx_cycle_t *) ngx_cycle,
                                      batch->jobs.size());

    /* redeem_codes answers every request it collected */
    for (i = 0; i < batch->jobs.size(); i++) {
        if (batch->failure.empty()) {
            batch->jobs[i]->redeemed = std::move(batch->results[i]);
        }

        ngx_http_seam_oauth_complete(batch->jobs[i], batch->failure);
    }

    delete batch;
}


/* the sweep */


static void
ngx_http_seam_oauth_sweep_run(void *data, ngx_log_t *log)
{
    seam::sweep_counts  *counts = static_cast<seam::sweep_counts *>(data);

    try {
        ngx_http_seam_oauth_worker.store->reader_check();
        *counts = seam::sweep_expired(*ngx_http_seam_oauth_worker.store,
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
        try {
            ngx_log_error(NGX_LOG_INFO, ev->log, 0, "seam_oauth: swept %s",
                          seam::describe(*counts).c_str());

        } catch (const std::exception &) {
            /* the next sweep says it */
        }
    }

    smcf = ngx_http_seam_oauth_cycle_main_conf((ngx_cycle_t *) ngx_cycle);

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

    smcf = ngx_http_seam_oauth_cycle_main_conf((ngx_cycle_t *) ngx_cycle);

    *static_cast<seam::sweep_counts *>(ngx_http_seam_oauth_sweep_task->ctx) =
        seam::sweep_counts();

    if (ngx_thread_task_post(smcf->thread_pool,
                             ngx_http_seam_oauth_sweep_task)
        != NGX_OK)
    {
        ngx_add_timer(ev, smcf->sweep_interval);
    }
}


/* process life */


ngx_int_t
ngx_http_seam_oauth_thread_init(ngx_cycle_t *cycle)
{
    ngx_thread_task_t                *task;
    ngx_http_seam_oauth_main_conf_t  *smcf;

    smcf = ngx_http_seam_oauth_cycle_main_conf(cycle);

    ngx_http_seam_oauth_redeem_queue =
        new (std::nothrow) ngx_http_seam_oauth_redeem_queue_t();
    if (ngx_http_seam_oauth_redeem_queue == NULL) {
        return NGX_ERROR;
    }

    task = ngx_thread_task_alloc(cycle->pool,
                                 sizeof(ngx_http_seam_oauth_batch *));
    if (task == NULL) {
        return NGX_ERROR;
    }

    task->handler = ngx_http_seam_oauth_batch_run;
    task->event.handler = ngx_http_seam_oauth_batch_done;
    task->event.log = cycle->log;

    ngx_http_seam_oauth_batch_task = task;

    ngx_http_seam_oauth_busy_event.handler = ngx_http_seam_oauth_busy_timer;
    ngx_http_seam_oauth_busy_event.log = cycle->log;

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


void
ngx_http_seam_oauth_thread_exit(ngx_cycle_t *cycle)
{
    delete ngx_http_seam_oauth_redeem_queue;
    ngx_http_seam_oauth_redeem_queue = NULL;
}
