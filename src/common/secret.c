/* Secrets; see secret.h. */
#include "secret.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

_Static_assert(SECRET_PASSWORD_HASH_MAX >= crypto_pwhash_STRBYTES, "password hash buffer too small");

#define PASSWORD_OPSLIMIT 2
#define PASSWORD_MEMLIMIT ((size_t)19 << 20)

int secret_init(void) {
        return sodium_init() < 0 ? -EIO : 0;
}

void secret_random_token(char out[SECRET_TOKEN_STRLEN]) {
        uint8_t raw[SECRET_TOKEN_BYTES];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2base64(out, SECRET_TOKEN_STRLEN, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        sodium_memzero(raw, sizeof raw);
}

void secret_random_text(char *out, size_t len) {
        static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789"; /* 32, no l/o/0/1 */
        _Static_assert(sizeof alphabet - 1 == 32, "the mask below needs 32 symbols");
        /* One call for all the bytes; 32 symbols make `& 31` unbiased. */
        randombytes_buf(out, len);
        for (size_t i = 0; i < len; i++)
                out[i] = alphabet[(unsigned char)out[i] & 31];
        out[len] = 0;
}

void secret_digest(const char *token, uint8_t out[SECRET_DIGEST_BYTES]) {
        crypto_generichash(out, SECRET_DIGEST_BYTES, (const unsigned char *)token, strlen(token), NULL, 0);
}

bool secret_equal(const void *a, const void *b, size_t len) {
        return sodium_memcmp(a, b, len) == 0;
}

bool secret_streq(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        if (la != lb)
                return false;
        return sodium_memcmp(a, b, la) == 0;
}

int secret_hash_password(const char *password, char out[SECRET_PASSWORD_HASH_MAX]) {
        if (crypto_pwhash_str_alg(out, password, strlen(password), PASSWORD_OPSLIMIT, PASSWORD_MEMLIMIT,
                                  crypto_pwhash_ALG_ARGON2ID13) != 0)
                return -ENOMEM;
        return 0;
}

bool secret_check_password(const char *hash, const char *password) {
        return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}
