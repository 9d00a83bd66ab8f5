/*
 * The device cloud's own accounts (seam_oauth_login_check): the login
 * form's identifier and password go, as JSON, to a location the operator
 * proxies to the device cloud's login API, and its answer says who signed
 * in. What is sent and how the answer is read are decided here; the
 * adapter only makes the subrequest and hands back its status and body.
 *
 *   request: POST, application/json,
 *            {"email":"…","password":"…","client_id":"…"}
 *   answer:  2xx and a JSON object whose `user_id` (or the configured
 *            field) is a string of 1 to 255 printable ASCII characters or
 *            an integer: signed in as that id; 401, 403 or 404: wrong
 *            credentials; anything else: unavailable, never a success.
 */
#pragma once

#include "sign_in.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace seam {

/* The longest answer read; a longer one is unavailable. */
constexpr size_t login_check_max_answer = 16384;

/* What the device cloud may call an account: 1 to 256 bytes, no control
 * characters (an e-mail, a user name, a phone number). */
bool valid_identifier(std::string_view identifier);

/* An owner's id, from the device cloud or seam-oauth user add --user-id:
 * 1 to 255 printable ASCII characters (spaces inside only: it is sent in
 * headers, which lose them at either end). */
bool valid_user_id(std::string_view user_id);

/* The subrequest's body, the bytes the owner typed as JSON strings; ""
 * when they are not UTF-8 (no account can have them). */
std::string login_check_body(std::string_view identifier,
                             std::string_view password,
                             std::string_view client_id);

/* What came back from the login check's location. */
struct login_check_answer {
    int status = 0;            /* the login API's status; 0: none */
    /* nginx's own error in the answer's place (502: refused, 504: timed
     * out, 404: no such location...), or 0 */
    int nginx_status = 0;
    std::string_view body;
    bool whole = true;         /* false: cut short, or it could not be read */
};

/* The verdict on it; `field` names the owner's id in the body. */
account_check login_check_verdict(const login_check_answer &answer,
                                  std::string_view field);

}  // namespace seam
