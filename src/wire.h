/*
 * The binary form of the values the module keeps or passes between its
 * processes: a tag byte, a format version byte, then integers as LEB128
 * varints and strings prefixed by their length. The reader checks every
 * length, so a truncated or corrupted value is reported, never read past
 * its end. records.cpp (the store's values) and redeem_queue.cpp (requests
 * and answers in shared memory) both use it.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace seam::wire {

constexpr size_t max_field = 1 << 16;

class writer {
public:
    writer(uint8_t tag, uint8_t version)
    {
        buf_.push_back(static_cast<char>(tag));
        buf_.push_back(static_cast<char>(version));
    }
    void u64(uint64_t v)
    {
        while (v >= 0x80) {
            buf_.push_back(static_cast<char>((v & 0x7f) | 0x80));
            v >>= 7;
        }
        buf_.push_back(static_cast<char>(v));
    }
    void str(std::string_view s)
    {
        u64(s.size());
        buf_.append(s);
    }
    std::string take() { return std::move(buf_); }

private:
    std::string buf_;
};

class reader {
public:
    reader(std::string_view in, uint8_t tag, uint8_t version) : in_(in)
    {
        ok_ = in_.size() >= 2 && static_cast<uint8_t>(in_[0]) == tag
              && static_cast<uint8_t>(in_[1]) == version;
        pos_ = 2;
    }
    uint64_t u64()
    {
        uint64_t v = 0;
        for (int shift = 0; ok_ && shift < 64; shift += 7) {
            if (pos_ >= in_.size()) {
                break;
            }
            uint8_t byte = static_cast<uint8_t>(in_[pos_++]);
            /* the tenth byte holds bit 63 only: more would be dropped */
            if (shift == 63 && byte > 1) {
                break;
            }
            v |= static_cast<uint64_t>(byte & 0x7f) << shift;
            if ((byte & 0x80) == 0) {
                /* the shortest form only: one value, one encoding, so a
                 * decoded record encodes back to the same bytes */
                if (byte == 0 && shift != 0) {
                    break;
                }
                return v;
            }
        }
        ok_ = false;
        return 0;
    }
    std::string str() { return std::string(view()); }
    std::string_view view()
    {
        uint64_t len = u64();
        if (!ok_ || len > max_field || in_.size() - pos_ < len) {
            ok_ = false;
            return {};
        }
        std::string_view s = in_.substr(pos_, len);
        pos_ += len;
        return s;
    }
    bool ok() const { return ok_; }
    void fail() { ok_ = false; }
    /* Every byte consumed and every read in bounds. */
    bool complete() const { return ok_ && pos_ == in_.size(); }

private:
    std::string_view in_;
    size_t pos_ = 0;
    bool ok_ = false;
};

/* `r` when the whole value decoded into it. */
template <class R>
std::optional<R>
finish(const reader &rd, R &&r)
{
    if (!rd.complete()) {
        return std::nullopt;
    }
    return std::move(r);
}

}  // namespace seam::wire
