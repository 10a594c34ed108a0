/* WireGuard keys against wg itself: the vectors below were printed by
 * `wg genkey | wg pubkey` (wireguard-tools 1.0.20210914) and by
 * `echo KEY | wg pubkey` for unclamped keys; RFC 7748's own vector too.
 * Random keys are checked by a property that only a correct X25519 has
 * (both sides of a Diffie-Hellman agree). The grammar's refusals are the
 * ones wg pubkey prints "Key is not the correct length or format" for,
 * plus what no file or command line may carry. The cross-check with
 * WireGuard's own code at run time is in test_render_wireguard.c
 * (wireguard-go computes the public key of a key set with wg setconf). */
#include "testutil.h"

#include <errno.h>
#include <sodium.h>

#include "common/secret.h"
#include "common/wgkey.h"

static int setup(void **state) {
        (void)state;
        return secret_init();
}

static const struct {
        const char *priv, *pub;
} vectors[] = {
        /* wg genkey | wg pubkey */
        {"8M1tHXXdayspLZu7QwObL8y6iayD52/Xdz1FZ2fFiGs=", "WJTXpBOVpZ5bWzLapUuGvQHPdYVt+VlB/h8oPON0z1M="},
        {"sDbOZ8OdadY27ngpoJPZ3sAIfH2w6+vbqToa2FK9t3s=", "K4WxA/GEX6xgb4CF3cjBZ68Iesn1Hy0ElhH3wYqxGHE="},
        {"kBn6x17PZd4w/vtboVkmVYelvQgkzM2HFrIfYhtExV0=", "IM2UW2rCxQt0bz7sn8/ECjPjEA9cJHhcN1a8mgOTamk="},
        /* Unclamped: wg pubkey clamps first, and so must we. */
        {"//////////////////////////////////////////8=", "hHwNLDdSNPNl5mCVUYejc1oPdhPRYJ06ak2MU66qWiI="},
        {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "L+V9o0fNYkMVKNqsX7spBzD/9oSvxM/C7ZCZX1jLO3Q="},
        {"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=", "B6N8vBQgk8i3VdwbEOhstCY3StFqqFPtC9/AsrhtHHw="},
        /* The last character differs in kept bits only: another key. */
        {"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyE=", "Mw2FUUBNbL3fXrAaW3yuRnLCzqJSuMGVsTVuFWQXbXE="},
        /* RFC 7748 section 6.1, Alice. */
        {"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=", "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="},
};

static void test_vectors(void **state) {
        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                char pub[WGKEY_B64_SIZE];
                assert_true(wgkey_valid(vectors[i].priv));
                assert_true(wgkey_valid(vectors[i].pub));
                assert_int_equal(wgkey_public(vectors[i].priv, pub), 0);
                if (!streq(pub, vectors[i].pub))
                        fail_msg("vector %zu: public key %s, wg pubkey says %s", i, pub, vectors[i].pub);
        }
}

static void decode(const char *b64, uint8_t out[WGKEY_BYTES]) {
        size_t len = 0;
        assert_int_equal(sodium_base642bin(out, WGKEY_BYTES, b64, strlen(b64), NULL, &len, NULL,
                                           sodium_base64_VARIANT_ORIGINAL),
                         0);
        assert_int_equal(len, WGKEY_BYTES);
}

static void test_generate_is_clamped_and_fresh(void **state) {
        (void)state;
        char prev[WGKEY_B64_SIZE] = "";
        for (int i = 0; i < 64; i++) {
                char priv[WGKEY_B64_SIZE], pub[WGKEY_B64_SIZE];
                memset(priv, 'X', sizeof priv);
                wgkey_generate(priv);
                assert_int_equal(strlen(priv), WGKEY_B64_LEN);
                assert_true(wgkey_valid(priv));
                uint8_t k[WGKEY_BYTES];
                decode(priv, k);
                assert_int_equal(k[0] & 7, 0);
                assert_int_equal(k[31] & 0xc0, 0x40);
                assert_int_equal(wgkey_public(priv, pub), 0);
                assert_true(wgkey_valid(pub));
                assert_string_not_equal(priv, pub);
                assert_string_not_equal(priv, prev);
                memcpy(prev, priv, sizeof prev);
        }
}

/* A preshared key is not clamped: over 64 keys the clamped bits vary. */
static void test_generate_psk(void **state) {
        (void)state;
        unsigned low_bits = 0, top_bits = 0;
        char prev[WGKEY_B64_SIZE] = "";
        for (int i = 0; i < 64; i++) {
                char psk[WGKEY_B64_SIZE];
                wgkey_generate_psk(psk);
                assert_true(wgkey_valid(psk));
                assert_string_not_equal(psk, prev);
                memcpy(prev, psk, sizeof prev);
                uint8_t k[WGKEY_BYTES];
                decode(psk, k);
                low_bits |= k[0] & 7;
                top_bits |= k[31] & 0x80;
        }
        assert_int_not_equal(low_bits, 0);
        assert_int_not_equal(top_bits, 0);
}

/* For random a and b, X25519(a, pub(b)) == X25519(b, pub(a)): true only
 * when pub is the scalar multiple of the base point that X25519 expects,
 * clamping included (the keys here are deliberately left unclamped). */
static void test_property_diffie_hellman(void **state) {
        (void)state;
        for (int i = 0; i < 200; i++) {
                uint8_t a[WGKEY_BYTES], b[WGKEY_BYTES], pa[WGKEY_BYTES], pb[WGKEY_BYTES];
                uint8_t s1[WGKEY_BYTES], s2[WGKEY_BYTES];
                randombytes_buf(a, sizeof a);
                randombytes_buf(b, sizeof b);
                char a64[WGKEY_B64_SIZE], b64[WGKEY_B64_SIZE], pa64[WGKEY_B64_SIZE], pb64[WGKEY_B64_SIZE];
                sodium_bin2base64(a64, sizeof a64, a, sizeof a, sodium_base64_VARIANT_ORIGINAL);
                sodium_bin2base64(b64, sizeof b64, b, sizeof b, sodium_base64_VARIANT_ORIGINAL);
                assert_int_equal(wgkey_public(a64, pa64), 0);
                assert_int_equal(wgkey_public(b64, pb64), 0);
                decode(pa64, pa);
                decode(pb64, pb);
                assert_int_equal(crypto_scalarmult_curve25519(s1, a, pb), 0);
                assert_int_equal(crypto_scalarmult_curve25519(s2, b, pa), 0);
                assert_memory_equal(s1, s2, sizeof s1);
                /* And the same public key as from the clamped scalar. */
                a[0] &= 248;
                a[31] = (uint8_t)((a[31] & 127) | 64);
                uint8_t direct[WGKEY_BYTES];
                assert_int_equal(crypto_scalarmult_curve25519_base(direct, a), 0);
                assert_memory_equal(direct, pa, sizeof direct);
        }
}

static void test_valid_refuses(void **state) {
        (void)state;
        static const char *const bad[] = {
                "",
                "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA",     /* 43: no '=' */
                "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAA",    /* 44, no '=' */
                "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA==",   /* 45 */
                "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHy==",    /* 31 bytes */
                "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyB=",    /* padding bits set: wg refuses */
                "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyD=",
                "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eH=A=",
                "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\n",  /* what `wg genkey` prints */
                " AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
                "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eH A=",    /* same length, a space */
                "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eH\nA=",   /* same length, a newline */
                "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eH\"A=",
                "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eH}A=",
                "../DBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",    /* same length, "../" */
                "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e-_A=",    /* URL-safe alphabet */
                "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=====",
                "============================================",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char pub[WGKEY_B64_SIZE] = "untouched";
                if (wgkey_valid(bad[i]))
                        fail_msg("'%s' passed as a key", bad[i]);
                assert_int_equal(wgkey_public(bad[i], pub), -EINVAL);
                assert_string_equal(pub, "untouched");
        }
        assert_false(wgkey_valid(NULL));
        char pub[WGKEY_B64_SIZE];
        assert_int_equal(wgkey_public(NULL, pub), -EINVAL);

        /* A NUL inside: the C string is shorter, whatever follows it. */
        char nul[] = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
        nul[20] = 0;
        assert_false(wgkey_valid(nul));
}

/* Every character of the alphabet in every position but the last two is
 * accepted; everything else in any position is refused. */
static void test_valid_alphabet(void **state) {
        (void)state;
        static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int c = 1; c < 256; c++) {
                char key[WGKEY_B64_SIZE] = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
                for (size_t pos = 0; pos < 42; pos += 7) {
                        key[pos] = (char)c;
                        bool want = strchr(alphabet, c) != NULL;
                        if (wgkey_valid(key) != want)
                                fail_msg("character %#x at %zu: %s", c, pos, want ? "refused" : "accepted");
                        key[pos] = 'A';
                }
                /* The 43rd carries 4 bits of the key and 2 padding bits. */
                key[42] = (char)c;
                const char *p = memchr(alphabet, c, 64);
                bool want = p && ((p - alphabet) & 3) == 0;
                if (wgkey_valid(key) != want)
                        fail_msg("character %#x last: %s", c, want ? "refused" : "accepted");
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_vectors),
                cmocka_unit_test(test_generate_is_clamped_and_fresh),
                cmocka_unit_test(test_generate_psk),
                cmocka_unit_test(test_property_diffie_hellman),
                cmocka_unit_test(test_valid_refuses),
                cmocka_unit_test(test_valid_alphabet),
        };
        return cmocka_run_group_tests(tests, setup, NULL);
}
