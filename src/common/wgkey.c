/* WireGuard keys; see wgkey.h. Secrets pass through stack buffers only,
 * which are wiped before returning. */
#include "wgkey.h"

#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/secretfile.h"

_Static_assert(crypto_scalarmult_curve25519_BYTES == WGKEY_BYTES, "X25519 keys are 32 bytes");
_Static_assert(crypto_scalarmult_curve25519_SCALARBYTES == WGKEY_BYTES, "X25519 scalars are 32 bytes");

static void encode(const uint8_t key[WGKEY_BYTES], char out[WGKEY_B64_SIZE]) {
        sodium_bin2base64(out, WGKEY_B64_SIZE, key, WGKEY_BYTES, sodium_base64_VARIANT_ORIGINAL);
}

static bool is_b64(unsigned char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Decodes a key that passes wgkey_valid's grammar; -EINVAL otherwise. */
static int decode(const char *b64, uint8_t ret[WGKEY_BYTES]) {
        if (!b64 || strnlen(b64, WGKEY_B64_SIZE) != WGKEY_B64_LEN || b64[WGKEY_B64_LEN - 1] != '=')
                return -EINVAL;
        /* The alphabet first: libsodium 1.0.18 decodes every byte from 0x80
         * up as '/', so "\xc3\xa9..." would pass it as a key. No early exit:
         * the time taken does not depend on where a private key differs
         * from the alphabet. */
        bool bad = false;
        for (size_t i = 0; i < WGKEY_B64_LEN - 1; i++)
                bad |= !is_b64((unsigned char)b64[i]);
        if (bad)
                return -EINVAL;
        /* No ignored characters and no end pointer: libsodium then refuses
         * anything but the whole string as padded base64, and refuses
         * non-zero padding bits, which wg would read as another key or
         * refuse. */
        uint8_t bin[WGKEY_BYTES];
        size_t len = 0;
        if (sodium_base642bin(bin, sizeof bin, b64, WGKEY_B64_LEN, NULL, &len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            len != WGKEY_BYTES) {
                sodium_memzero(bin, sizeof bin);
                return -EINVAL;
        }
        memcpy(ret, bin, sizeof bin);
        sodium_memzero(bin, sizeof bin);
        return 0;
}

bool wgkey_valid(const char *b64) {
        uint8_t bin[WGKEY_BYTES];
        bool ok = decode(b64, bin) == 0;
        sodium_memzero(bin, sizeof bin);
        return ok;
}

void wgkey_generate(char ret_priv_b64[WGKEY_B64_SIZE]) {
        uint8_t k[WGKEY_BYTES];
        randombytes_buf(k, sizeof k);
        /* wg genkey's curve25519_clamp_secret. */
        k[0] &= 248;
        k[31] = (uint8_t)((k[31] & 127) | 64);
        encode(k, ret_priv_b64);
        sodium_memzero(k, sizeof k);
}

void wgkey_generate_psk(char ret_psk_b64[WGKEY_B64_SIZE]) {
        uint8_t k[WGKEY_BYTES];
        randombytes_buf(k, sizeof k);
        encode(k, ret_psk_b64);
        sodium_memzero(k, sizeof k);
}

int wgkey_public(const char *priv_b64, char ret_pub_b64[WGKEY_B64_SIZE]) {
        uint8_t priv[WGKEY_BYTES], pub[WGKEY_BYTES];
        if (decode(priv_b64, priv) < 0)
                return -EINVAL;
        /* libsodium clamps the scalar itself, as wg pubkey does. */
        int r = crypto_scalarmult_curve25519_base(pub, priv);
        sodium_memzero(priv, sizeof priv);
        if (r != 0)
                return -EIO;
        encode(pub, ret_pub_b64);
        return 0;
}

int wgkey_file_ensure(const char *path) {
        char key[WGKEY_B64_SIZE + 2];
        int r = secret_file_read(path, key, sizeof key);
        if (r == 0) {
                bool ok = wgkey_valid(key);
                sodium_memzero(key, sizeof key);
                return ok ? 0 : -EBADMSG;
        }
        if (r != -ENOENT)
                return r;
        wgkey_generate(key);
        r = secret_file_write(path, key);
        sodium_memzero(key, sizeof key);
        return r;
}
