/* WireGuard keys, computed with libsodium: what `wg genkey`, `wg pubkey`
 * and `wg genpsk` print, and the grammar a key must pass before it reaches
 * a file or a command line. A key is 32 bytes written as 44 characters of
 * standard base64 ending in '=' (the form wg prints and reads). Call
 * secret_init() once before generating keys. */
#pragma once

#include <stdbool.h>

#define WGKEY_BYTES 32
#define WGKEY_B64_LEN 44                  /* characters, without the NUL */
#define WGKEY_B64_SIZE (WGKEY_B64_LEN + 1) /* with it */

/* A new private key: 32 random bytes clamped as wg genkey clamps them
 * (low three bits of the first byte clear, top bit of the last clear, the
 * next one set). */
void wgkey_generate(char ret_priv_b64[WGKEY_B64_SIZE]);
/* A new preshared key: 32 random bytes, unclamped (wg genpsk). */
void wgkey_generate_psk(char ret_psk_b64[WGKEY_B64_SIZE]);
/* The public key of a private one: X25519 of the clamped private key and
 * the base point, so an unclamped private key gives what wg pubkey gives.
 * Returns 0, -EINVAL when priv_b64 is not a key (ret_pub_b64 untouched),
 * or -EIO if libsodium fails. */
int wgkey_public(const char *priv_b64, char ret_pub_b64[WGKEY_B64_SIZE]);
/* True when b64 is exactly 44 characters of standard base64 (A-Z a-z 0-9
 * + /), the last one '=', with zero padding bits, so that it decodes to
 * 32 bytes and no two spellings name the same key. Nothing else: no
 * whitespace, no URL-safe alphabet, no NULL. Keys are stored as text that
 * passed this, so equal keys are equal strings. */
bool wgkey_valid(const char *b64);
/* The private key in path (a 0600 file, base64 and a newline): made when
 * there is none, checked when there is. -EBADMSG: the file holds no valid
 * key (it is left alone). Needs libsodium initialised. */
int wgkey_file_ensure(const char *path);
