#include "redeem_queue.h"

#include "crypto.h"
#include "wire.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <new>
#include <signal.h>
#include <stdexcept>
#include <unistd.h>
#include <vector>

namespace seam {

namespace {

enum : uint8_t {
    st_free, st_filling, st_posted, st_taken, st_answered, st_bounced
};

/* A state word: generation (24 bits), poster's pid (32), state (8). The
 * generation keeps a committer that was slow to publish from changing a
 * slot that has moved on. */
uint8_t
state_of(uint64_t w)
{
    return static_cast<uint8_t>(w & 0xff);
}

uint32_t
pid_of(uint64_t w)
{
    return static_cast<uint32_t>(w >> 8);
}

uint64_t
next_word(uint64_t w, uint8_t state, uint32_t pid)
{
    uint64_t gen = ((w >> 40) + 1) & 0xffffff;
    return gen << 40 | static_cast<uint64_t>(pid) << 8 | state;
}

constexpr uint64_t queue_magic = 0x3155515244454552;  /* "REDEQRQ1" */
constexpr char key_prefix[] = "redeem_queue:";
/* another queue's record is dropped a day after its last commit: by then
 * the processes of an nginx that was replaced have long exited */
constexpr uint64_t stale_after = 86400;

enum : uint8_t { tag_request = 1, tag_answer = 2, tag_commit = 3 };
constexpr uint8_t wire_version = 1;

std::string
encode_request(const redemption_request &r)
{
    wire::writer w(tag_request, wire_version);
    w.str(r.code);
    w.str(r.client_id);
    w.u64(r.redirect_uri.has_value());
    w.str(r.redirect_uri.value_or(""));
    w.u64(r.redirect_uri_optional);
    w.u64(r.code_verifier.has_value());
    w.str(r.code_verifier.value_or(""));
    w.u64(r.now);
    w.u64(r.access_token_ttl);
    w.u64(r.refresh_token_ttl);
    return w.take();
}

std::optional<redemption_request>
decode_request(std::string_view bytes)
{
    wire::reader rd(bytes, tag_request, wire_version);
    redemption_request r;
    r.code = rd.str();
    r.client_id = rd.str();
    bool has_redirect = rd.u64() != 0;
    std::string redirect = rd.str();
    if (has_redirect) {
        r.redirect_uri = std::move(redirect);
    }
    r.redirect_uri_optional = rd.u64() != 0;
    bool has_verifier = rd.u64() != 0;
    std::string verifier = rd.str();
    if (has_verifier) {
        r.code_verifier = std::move(verifier);
    }
    r.now = rd.u64();
    r.access_token_ttl = rd.u64();
    r.refresh_token_ttl = rd.u64();
    return wire::finish(rd, std::move(r));
}

std::string
encode_answer(const redemption &r, std::string_view failure)
{
    wire::writer w(tag_answer, wire_version);
    w.str(failure);
    w.u64(static_cast<uint64_t>(r.error));
    w.str(r.description);
    w.u64(r.replay);
    w.u64(r.store_full);
    w.str(r.access_token);
    w.u64(r.token.expires_at);
    w.str(r.token.grant_id);
    w.str(r.token.user_id);
    w.str(r.token.client_id);
    w.str(r.token.scope);
    w.str(r.refresh_token);
    w.u64(r.expires_in);
    return w.take();
}

bool
decode_answer(std::string_view bytes, redeem_queue::answer &out)
{
    wire::reader rd(bytes, tag_answer, wire_version);
    redemption &r = out.redeemed;
    out.failure = rd.str();
    r.error = static_cast<oauth_error>(rd.u64());
    r.description = rd.str();
    r.replay = rd.u64() != 0;
    r.store_full = rd.u64() != 0;
    r.access_token = rd.str();
    r.token.expires_at = rd.u64();
    r.token.grant_id = rd.str();
    r.token.user_id = rd.str();
    r.token.client_id = rd.str();
    r.token.scope = rd.str();
    r.refresh_token = rd.str();
    r.expires_in = rd.u64();
    return rd.complete();
}

std::string
encode_commit(uint64_t txn_id, uint64_t at)
{
    wire::writer w(tag_commit, wire_version);
    w.u64(txn_id);
    w.u64(at);
    return w.take();
}

struct commit_record {
    uint64_t txn_id = 0;
    uint64_t at = 0;
};

std::optional<commit_record>
decode_commit(std::string_view bytes)
{
    wire::reader rd(bytes, tag_commit, wire_version);
    commit_record r;
    r.txn_id = rd.u64();
    r.at = rd.u64();
    return wire::finish(rd, std::move(r));
}

bool
process_gone(uint32_t pid)
{
    return pid != 0 && kill(static_cast<pid_t>(pid), 0) != 0
           && errno == ESRCH;
}

}  // namespace

struct redeem_queue::header {
    uint64_t magic;
    uint64_t slot_count;
    char id[24];                       /* 16 hex digits */
    std::atomic<uint64_t> next;        /* where posts start looking */
    std::atomic<uint32_t> swept;       /* other queues' records dropped */
};

struct redeem_queue::slot {
    std::atomic<uint64_t> word;
    uint64_t txn;                      /* the transaction that took it */
    uint32_t request_size;
    uint32_t answer_size;
    char request_bytes[request_room];
    char answer_bytes[slot_size - 24 - request_room];
};

namespace {

constexpr size_t header_room = 64;

}  // namespace

size_t
redeem_queue::bytes_for(size_t slots)
{
    static_assert(sizeof(slot) == slot_size, "a slot is slot_size bytes");
    static_assert(std::atomic<uint64_t>::is_always_lock_free,
                  "a state word is shared between processes");
    return header_room + slots * slot_size;
}

void
redeem_queue::lay_out(void *mem, size_t bytes)
{
    static_assert(sizeof(header) <= header_room, "the header fits");
    if (bytes < bytes_for(1)) {
        throw std::runtime_error("redeem queue: too little memory");
    }
    header *h = new (mem) header();
    h->slot_count = (bytes - header_room) / slot_size;
    std::string id = hex_encode(random_bytes(8));
    std::memcpy(h->id, id.c_str(), id.size() + 1);
    char *first = static_cast<char *>(mem) + header_room;
    for (size_t i = 0; i < h->slot_count; i++) {
        new (first + i * slot_size) slot();
    }
    h->magic = queue_magic;
}

redeem_queue::redeem_queue(void *mem) : header_(static_cast<header *>(mem))
{
    if (header_->magic != queue_magic) {
        throw std::runtime_error("redeem queue: not laid out");
    }
}

redeem_queue::slot &
redeem_queue::at(size_t i) const
{
    char *first = reinterpret_cast<char *>(header_) + header_room;
    return *reinterpret_cast<slot *>(first + i * slot_size);
}

size_t
redeem_queue::slots() const
{
    return header_->slot_count;
}

std::string
redeem_queue::commit_key() const
{
    return std::string(key_prefix) + header_->id;
}

std::optional<size_t>
redeem_queue::post(const redemption_request &req)
{
    std::string bytes = encode_request(req);
    if (bytes.size() > request_room) {
        return std::nullopt;
    }
    const uint32_t pid = static_cast<uint32_t>(getpid());
    const size_t n = header_->slot_count;
    for (int round = 0; round < 2; round++) {
        size_t start = header_->next.fetch_add(1, std::memory_order_relaxed);
        for (size_t k = 0; k < n; k++) {
            size_t i = (start + k) % n;
            slot &s = at(i);
            uint64_t w = s.word.load(std::memory_order_acquire);
            if (state_of(w) != st_free) {
                continue;
            }
            uint64_t filling = next_word(w, st_filling, pid);
            if (!s.word.compare_exchange_strong(w, filling,
                                                std::memory_order_acq_rel))
            {
                continue;
            }
            std::memcpy(s.request_bytes, bytes.data(), bytes.size());
            s.request_size = static_cast<uint32_t>(bytes.size());
            s.word.store(next_word(filling, st_posted, pid),
                         std::memory_order_release);
            return i;
        }
        if (reclaim() == 0) {
            break;
        }
    }
    return std::nullopt;
}

redeem_queue::answer
redeem_queue::poll(size_t i)
{
    answer a;
    slot &s = at(i);
    uint64_t w = s.word.load(std::memory_order_acquire);
    switch (state_of(w)) {
    case st_answered:
        if (!decode_answer({s.answer_bytes, s.answer_size}, a)) {
            a = answer();
            a.failure = "redeem queue: an undecodable answer";
        }
        a.state = outcome::answered;
        break;
    case st_bounced:
        a.state = outcome::bounced;
        break;
    default:
        return a;
    }
    /* nobody else changes an answered or bounced slot of a live poster */
    s.word.store(next_word(w, st_free, 0), std::memory_order_release);
    return a;
}

bool
redeem_queue::cancel(size_t i)
{
    slot &s = at(i);
    uint64_t w = s.word.load(std::memory_order_acquire);
    return state_of(w) == st_posted
           && s.word.compare_exchange_strong(w, next_word(w, st_free, 0),
                                             std::memory_order_acq_rel);
}

size_t
redeem_queue::reclaim()
{
    size_t freed = 0;
    for (size_t i = 0; i < header_->slot_count; i++) {
        slot &s = at(i);
        uint64_t w = s.word.load(std::memory_order_acquire);
        uint8_t st = state_of(w);
        /* a taken slot is its committer's until it is answered */
        if (st == st_free || st == st_taken || !process_gone(pid_of(w))) {
            continue;
        }
        if (s.word.compare_exchange_strong(w, next_word(w, st_free, 0),
                                           std::memory_order_acq_rel))
        {
            freed++;
        }
    }
    return freed;
}

namespace {

struct taken_slot {
    size_t index;
    uint64_t word;                 /* 0: given back */
};

}  // namespace

size_t
redeem_queue::commit(store &s, const std::function<void(stage)> &observe)
{
    const size_t n = header_->slot_count;
    const std::string key = commit_key();

    /* Publishes `bytes` as the answer of each slot still taken by this
     * pass: under the write lock, so that no other committer can have
     * taken the slot between the check and the write. */
    auto answer_all = [this, &s](const std::vector<taken_slot> &taken,
                                 const std::string &bytes) {
        txn again = s.begin_write();
        for (const taken_slot &ts : taken) {
            slot &sl = at(ts.index);
            uint64_t w = ts.word;
            if (w == 0 || sl.word.load(std::memory_order_acquire) != w) {
                continue;
            }
            std::memcpy(sl.answer_bytes, bytes.data(), bytes.size());
            sl.answer_size = static_cast<uint32_t>(bytes.size());
            sl.word.compare_exchange_strong(
                w, next_word(w, st_answered, pid_of(w)),
                std::memory_order_acq_rel);
        }
    };

    for (;;) {
        txn t = s.begin_write();
        const uint64_t id = t.id();
        uint64_t committed = 0;
        if (auto v = t.get(table::meta, key)) {
            if (auto c = decode_commit(*v)) {
                committed = c->txn_id;
            }
        }

        std::vector<taken_slot> taken;
        for (size_t i = 0; i < n; i++) {
            slot &sl = at(i);
            uint64_t w = sl.word.load(std::memory_order_acquire);
            uint8_t st = state_of(w);
            if (st == st_taken && committed != 0 && sl.txn == committed) {
                /* committed by a committer that then died or has yet to
                 * publish: its answer stands */
                sl.word.compare_exchange_strong(
                    w, next_word(w, st_answered, pid_of(w)),
                    std::memory_order_acq_rel);
                continue;
            }
            if (st != st_posted && st != st_taken) {
                continue;
            }
            /* the id first: a taken slot always names its transaction */
            sl.txn = id;
            uint64_t mine = next_word(w, st_taken, pid_of(w));
            if (sl.word.compare_exchange_strong(w, mine,
                                                std::memory_order_acq_rel))
            {
                taken.push_back({i, mine});
            }
        }
        if (taken.empty()) {
            return 0;
        }

        std::string failure;
        bool full = false, bounced = false;
        try {
            for (taken_slot &ts : taken) {
                slot &sl = at(ts.index);
                auto req = decode_request({sl.request_bytes, sl.request_size});
                std::string bytes =
                    req ? encode_answer(redeem_code(t, *req), "")
                        : encode_answer({}, "redeem queue: an undecodable "
                                            "request");
                if (bytes.size() > sizeof(sl.answer_bytes)) {
                    sl.word.compare_exchange_strong(
                        ts.word, next_word(ts.word, st_bounced,
                                           pid_of(ts.word)),
                        std::memory_order_acq_rel);
                    ts.word = 0;
                    bounced = true;
                    break;
                }
                std::memcpy(sl.answer_bytes, bytes.data(), bytes.size());
                sl.answer_size = static_cast<uint32_t>(bytes.size());
            }
            if (bounced) {
                /* the transaction holds the bounced redemption: drop it,
                 * give the others back and take them again */
                for (const taken_slot &ts : taken) {
                    uint64_t w = ts.word;
                    if (w != 0) {
                        at(ts.index).word.compare_exchange_strong(
                            w, next_word(w, st_posted, pid_of(w)),
                            std::memory_order_acq_rel);
                    }
                }
                t.abort();
                continue;
            }

            uint64_t now = static_cast<uint64_t>(std::time(nullptr));
            if (header_->swept.exchange(1) == 0) {
                std::vector<std::string> stale;
                t.scan(table::meta, key_prefix,
                       [&](std::string_view k, std::string_view v) {
                           if (k.substr(0, sizeof key_prefix - 1)
                               != key_prefix)
                           {
                               return false;
                           }
                           auto c = decode_commit(v);
                           if (k != key && (!c || c->at + stale_after < now))
                           {
                               stale.emplace_back(k);
                           }
                           return true;
                       });
                for (const std::string &k : stale) {
                    t.del(table::meta, k);
                }
            }
            t.put(table::meta, key, encode_commit(id, now));
            if (observe) {
                observe(stage::answers_written);
            }
            t.commit();

        } catch (const store_full &) {
            full = true;
        } catch (const std::exception &e) {
            failure = e.what();
        }

        if (full || !failure.empty()) {
            /* nothing of this pass was committed */
            t.abort();
            answer_all(taken, full ? encode_answer(store_full_redemption(), "")
                                   : encode_answer({}, failure));
            return taken.size();
        }

        if (observe) {
            observe(stage::committed);
        }
        for (const taken_slot &ts : taken) {
            uint64_t w = ts.word;
            at(ts.index).word.compare_exchange_strong(
                w, next_word(w, st_answered, pid_of(w)),
                std::memory_order_acq_rel);
        }
        return taken.size();
    }
}

}  // namespace seam
