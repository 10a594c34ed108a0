/* Secrets: random tokens, their one-way digests, and password hashing.
 * Passwords use argon2id (libsodium); session and API tokens are 256-bit
 * random values, stored only as a BLAKE2b digest, so checking one never
 * hashes a password. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SECRET_TOKEN_BYTES 32
/* base64url without padding of 32 bytes: 43 characters + NUL */
#define SECRET_TOKEN_STRLEN 44
#define SECRET_DIGEST_BYTES 32
#define SECRET_PASSWORD_HASH_MAX 128

/* Initialises libsodium; call once at start. Returns 0 or -EIO. */
int secret_init(void);

/* A fresh random token as base64url text. */
void secret_random_token(char out[SECRET_TOKEN_STRLEN]);
/* Random lowercase base32-ish text of len characters (for ids and
 * generated passwords); out has room for len + 1. */
void secret_random_text(char *out, size_t len);

/* BLAKE2b-256 of the token text: what the store keeps. */
void secret_digest(const char *token, uint8_t out[SECRET_DIGEST_BYTES]);
/* Constant-time comparison of two equal-length byte strings. */
bool secret_equal(const void *a, const void *b, size_t len);
/* Constant-time comparison of two NUL-terminated strings (the lengths may
 * leak, the contents do not). */
bool secret_streq(const char *a, const char *b);

/* argon2id, OWASP's parameters (m = 19 MiB, t = 2): about 35 ms here.
 * Returns 0 or -ENOMEM. */
int secret_hash_password(const char *password, char out[SECRET_PASSWORD_HASH_MAX]);
bool secret_check_password(const char *hash, const char *password);
