/*
 * One Check suite per core source file; main.cpp runs them all.
 */
#pragma once

#include <check.h>
/* check.h's deprecated fail() macro breaks <ios> (basic_ios::fail) */
#undef fail

Suite *form_suite();
Suite *redirect_policy_suite();
Suite *authorize_suite();
Suite *csrf_suite();
Suite *clients_suite();
Suite *records_suite();
Suite *store_suite();
Suite *grants_suite();
Suite *users_suite();
Suite *bearer_suite();
Suite *token_endpoint_suite();
Suite *oauth_error_suite();
Suite *crypto_suite();
Suite *login_page_suite();
Suite *password_suite();
Suite *metadata_suite();
Suite *secrets_suite();
