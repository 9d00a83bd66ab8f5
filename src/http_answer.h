/*
 * An HTTP response as the core decides it, with what the error log should
 * say about it and what happened (events.h): the adapter logs the notes,
 * counts and audits the events, copies the rest into nginx's request and
 * sends it.
 */
#pragma once

#include "events.h"

#include <string>
#include <utility>
#include <vector>

namespace seam {

/* A line for the error log (without the "seam_oauth: " prefix). A
 * `limited` line (a cause that repeats with every request while it lasts:
 * a full disk) is written at most every few seconds, with how often it
 * came meanwhile. */
struct log_note {
    enum class level { info, warn, error };
    level at = level::info;
    std::string text;
    bool limited = false;
};

struct http_answer {
    int status = 200;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::vector<log_note> log;
    std::vector<event> events;
};

inline void
note(http_answer &a, log_note::level at, std::string text,
     bool limited = false)
{
    a.log.push_back({at, std::move(text), limited});
}

inline void
record(http_answer &a, event e)
{
    a.events.push_back(std::move(e));
}

/* 405 for a method the endpoint does not take; `allow`: "GET, POST". */
inline http_answer
method_not_allowed(const std::string &allow)
{
    http_answer a;
    a.status = 405;
    a.content_type = "text/plain";
    std::string methods = allow;
    size_t comma = methods.rfind(", ");
    if (comma != std::string::npos) {
        methods.replace(comma, 2, " or ");
    }
    a.body = methods + "\n";
    a.headers.emplace_back("Allow", allow);
    return a;
}

}  // namespace seam
