/*
 * The owner accounts (the intercom owners who sign in at /authorize),
 * keyed by their lower-cased e-mail. Each has a stable user_id that
 * never depends on the e-mail (Seam's contract: user_id never changes),
 * random or the device cloud's own id for that customer, and an argon2id
 * password hash.
 */
#pragma once

#include "records.h"
#include "store.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace seam {

/* ASCII lower case; e-mails are compared this way. */
std::string normalize_email(std::string_view email);
/* A plausible e-mail address: 3 to 254 printable ASCII bytes with an '@'
 * that is neither first nor last. */
bool valid_email(std::string_view email);

/* id_taken: another owner has the user_id asked for. */
enum class user_change { done, exists, not_found, full, id_taken };

/* Adds an owner with an already hashed password, under `user_id` (the
 * device cloud's id for it, valid_user_id() in login_check.h) or, when
 * that is empty, a new random one. */
user_change add_user(store &s, std::string_view email,
                     const std::string &password_hash, uint64_t now,
                     std::string *user_id_out = nullptr,
                     std::string_view user_id = {});
user_change set_password(store &s, std::string_view email,
                         const std::string &password_hash);
/* Removes the owner and revokes every grant it gave. */
user_change remove_user(store &s, std::string_view email);

/* Uses its own read transaction: safe from a thread-pool thread, where
 * sign-ins look owners up, and from the CLI. */
std::optional<user_record> find_user(store &s, std::string_view email);

std::vector<std::pair<std::string, user_record>> list_users(store &s);

}  // namespace seam
