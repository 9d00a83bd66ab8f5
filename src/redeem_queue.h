/*
 * Group commit across processes. Every nginx worker posts its code
 * redemptions into slots of memory that all workers map; whichever of
 * them next holds the store's write lock redeems everything posted, by
 * every worker, in one write transaction with one durable commit, and
 * leaves each answer in its slot for the worker that posted it. A commit
 * so holds the redemptions of all workers, not of one.
 *
 * A slot's state word changes by compare-and-swap only, and carries the
 * poster's pid and a generation that grows with each change:
 *
 *   free -> filling -> posted          the poster writes its request
 *   posted -> taken                    a committer holding the write lock;
 *                                      it writes the answer, then commits
 *   taken -> answered                  after the commit
 *   taken -> bounced                   the answer would not fit the slot:
 *                                      the poster redeems the code alone
 *   answered | bounced -> free         the poster, having read it
 *   posted -> free                     the poster gives it up (cancel)
 *
 * A committer that dies between taking and committing leaves slots taken
 * under a transaction that never committed. Each commit records its
 * transaction id in the store, under a key of its queue, in the same
 * transaction: the next committer compares a taken slot's id with the
 * recorded one and either publishes the answer (committed) or redeems the
 * request again (not committed). Slots of a poster that died are freed
 * when a post finds no free slot.
 */
#pragma once

#include "grants.h"
#include "store.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace seam {

class redeem_queue {
public:
    /* A slot: its state, the transaction that took it, the request and
     * the answer. */
    static constexpr size_t slot_size = 4096;
    static constexpr size_t request_room = 1024;

    /* The bytes of shared memory for a queue of `slots` slots. */
    static size_t bytes_for(size_t slots);
    /* Lays out a queue in `bytes` of zeroed shared memory, with an id of
     * its own (the key of its commits in the store). */
    static void lay_out(void *mem, size_t bytes);

    /* The queue laid out at `mem`; throws std::runtime_error when there is
     * none. */
    explicit redeem_queue(void *mem);

    /* Event loop: the slot now holding `req`, or nullopt when every slot
     * is in use or `req` does not fit one. */
    std::optional<size_t> post(const redemption_request &req);

    enum class outcome { waiting, answered, bounced };
    struct answer {
        outcome state = outcome::waiting;
        redemption redeemed;
        /* why the transaction failed (not an OAuth error): the redemption
         * did not happen */
        std::string failure;
    };
    /* Event loop: the answer in `slot`, which is freed once answered or
     * bounced (the poster then redeems alone). */
    answer poll(size_t slot);

    /* Event loop: gives a posted slot back; false when a committer has
     * taken it. */
    bool cancel(size_t slot);

    /* What a committer has done, for tests of a committer that dies. */
    enum class stage { answers_written, committed };

    /*
     * A thread: waits for the write lock, redeems every posted request of
     * every process in one transaction and commits it; returns how many it
     * redeemed. Answers even when the transaction fails (store full, or a
     * failure text). Throws only when the lock could not be taken.
     */
    size_t commit(store &s,
                  const std::function<void(stage)> &observe = nullptr);

    /* Frees the slots of posters that have died; returns how many. */
    size_t reclaim();

    size_t slots() const;
    /* The key in table::meta under which this queue's commits record
     * their transaction ids. */
    std::string commit_key() const;

private:
    struct header;
    struct slot;
    slot &at(size_t i) const;

    header *header_;
};

}  // namespace seam
