/*
 * One Check suite per core source file (check_<file>.cpp); main.cpp runs
 * them all.
 */
#pragma once

#include <check.h>
/* check.h's deprecated fail() macro breaks <ios> (basic_ios::fail) */
#undef fail

Suite *form_suite();
Suite *redirect_policy_suite();
Suite *authorize_suite();
Suite *csrf_suite();
Suite *authorize_endpoint_suite();
Suite *cookies_suite();
Suite *pages_suite();
Suite *sign_in_suite();
Suite *login_check_suite();
Suite *metrics_suite();
Suite *audit_suite();
Suite *config_suite();
Suite *records_suite();
Suite *store_suite();
Suite *codes_suite();
Suite *tokens_suite();
Suite *revocation_suite();
Suite *sessions_suite();
Suite *sweep_suite();
Suite *users_suite();
Suite *owners_suite();
Suite *store_files_suite();
Suite *throttle_suite();
Suite *bearer_suite();
Suite *token_endpoint_suite();
Suite *oauth_error_suite();
Suite *crypto_suite();
Suite *page_template_suite();
Suite *password_suite();
Suite *server_metadata_suite();
Suite *secrets_suite();
Suite *verify_suite();
Suite *backup_suite();
Suite *listing_suite();
