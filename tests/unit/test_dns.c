/* The cell's DNS zone in the store: the grammar of each record type and of
 * forwarders (injection attempts included), the record's JSON, and on a real
 * cell the mutations with their revisions, the conflicts between records,
 * the bound on the zone, listing with search and type, and migration 003 on
 * a store made before it. */
#include "testutil.h"

#include <errno.h>

#include "common/jsonutil.h"
#include "common/validate.h"
#include "store/cell.h"
#include "store/config.h"
#include "store/dns.h"
#include "store/revisions.h"
#include "store/store.h"

/* ---- grammars ---- */

static void test_names(void **state) {
        (void)state;
        static const char *const good[] = {
                "@", "www", "a", "0", "_dmarc", "_sip._tcp", "_sip._tcp.office", "sel1._domainkey", "a-b.c_d",
                "x.y.z", "_", "a--b",
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                if (dns_check_name(good[i]))
                        fail_msg("name '%s' refused: %s", good[i], dns_check_name(good[i]));
        static const char *const bad[] = {
                "",       "@@",       "@.www",   "WWW",      "Www",       "www.",     ".www",      "a..b",
                "-a",     "a-",       "a.-b",    "a b",      "a\nb",      "a\"b",     "a'b",       "a{b}",
                "../etc", "a/b",      "a\\b",    "*",        "*.x",       "a;b",      "\xc3\xa9", "a\tb",
                "$(x)",   "a\rb",     "www\n",   " www",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (!dns_check_name(bad[i]))
                        fail_msg("name '%s' accepted", bad[i]);
        char label[80];
        memset(label, 'a', 63);
        label[63] = 0;
        assert_null(dns_check_name(label));
        memset(label, 'a', 64);
        label[64] = 0;
        assert_non_null(dns_check_name(label));
        /* 200 characters in all at most. */
        char name[256] = "";
        while (strlen(name) + 10 <= 200)
                strcat(name, "abcdefghi.");
        strcat(name, "abcdefghi"); /* 209 */
        assert_non_null(dns_check_name(name));
        name[200] = 0;
        if (name[199] == '.')
                name[199] = 'x';
        assert_null(dns_check_name(name));
        assert_non_null(dns_check_name(NULL));
}

static void test_forwarders(void **state) {
        (void)state;
        static const char *const good[] = {
                "192.0.2.53", "127.0.0.2", "10.0.0.1@53", "192.0.2.53@853#dns.example.net", "1.1.1.1@65535",
                "9.9.9.9@853#dns.quad9.net", "192.0.2.1@1#a",
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                if (dns_check_forwarder(good[i]))
                        fail_msg("forwarder '%s' refused: %s", good[i], dns_check_forwarder(good[i]));
        static const char *const bad[] = {
                "",
                "dns.example.net",
                "192.0.2",
                "192.0.2.053",
                "192.0.2.256",
                "192.0.2.53@",
                "192.0.2.53@0",
                "192.0.2.53@65536",
                "192.0.2.53@+53",
                "192.0.2.53@ 53",
                "192.0.2.53@53 ",
                "192.0.2.53@0053",
                "192.0.2.53#dns.example.net",
                "192.0.2.53@853#",
                "192.0.2.53@853#Dns.example.net",
                "192.0.2.53@853#dns.example.net.",
                "192.0.2.53@853#dns example",
                "192.0.2.53@853#a\nb",
                "192.0.2.53@853#a\"b",
                "192.0.2.53@853#{a}",
                "192.0.2.53@853#a#b",
                "192.0.2.53@853@853",
                "192.0.2.53\n",
                " 192.0.2.53",
                "0.0.0.0",
                "0.1.2.3",
                "224.0.0.251",
                "255.255.255.255",
                "2001:db8::1",
                "[2001:db8::1]@53",
                "192.0.2.53:53",
                "../192.0.2.53",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (!dns_check_forwarder(bad[i]))
                        fail_msg("forwarder '%s' accepted", bad[i]);
        char long_name[400];
        snprintf(long_name, sizeof long_name, "192.0.2.53@853#");
        while (strlen(long_name) < 350)
                strcat(long_name, "abcdefgh.");
        strcat(long_name, "net");
        assert_non_null(dns_check_forwarder(long_name));
        assert_non_null(dns_check_forwarder(NULL));
}

/* A record from a JSON literal, which must pass. */
static struct dns_record record_ok(const char *text) {
        _cleanup_json_ json_t *body = test_json(text);
        struct dns_record r;
        struct dns_error err = {0};
        if (dns_record_from_json(body, &r, &err) < 0)
                fail_msg("%s refused: %s %s", text, err.field ? err.field : "-", err.message);
        assert_int_equal(dns_record_check(&r, &err), 0);
        return r;
}

static void record_bad(const char *text, const char *field) {
        _cleanup_json_ json_t *body = test_json(text);
        struct dns_record r;
        memset(&r, 0x5a, sizeof r);
        struct dns_error err = {0};
        if (dns_record_from_json(body, &r, &err) != -EINVAL)
                fail_msg("%s accepted", text);
        if (field ? !err.field || strcmp(err.field, field) : err.field != NULL)
                fail_msg("%s: field '%s', want '%s' (%s)", text, err.field ? err.field : "(none)", field ? field : "(none)",
                         err.message);
        assert_true(strlen(err.message) > 0);
        assert_int_equal(((unsigned char *)&r)[0], 0x5a); /* untouched */
}

static void test_records_by_type(void **state) {
        (void)state;
        struct dns_record r = record_ok("{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\"}");
        assert_string_equal(r.name, "www");
        assert_int_equal(r.type, DNS_TYPE_A);
        assert_int_equal(r.ttl, DNS_TTL_DEFAULT);
        assert_int_equal(r.id, 0);

        /* AAAA comes out canonical. */
        r = record_ok("{\"name\": \"v6\", \"type\": \"AAAA\", \"value\": \"2001:0DB8:0000:0000:0000:0000:0000:0001\"}");
        assert_string_equal(r.value, "2001:db8::1");
        r = record_ok("{\"name\": \"v6\", \"type\": \"AAAA\", \"value\": \"::ffff:192.0.2.1\", \"ttl\": 0}");
        assert_string_equal(r.value, "::ffff:192.0.2.1");
        assert_int_equal(r.ttl, 0);

        r = record_ok("{\"name\": \"alias\", \"type\": \"CNAME\", \"value\": \"www\"}");
        r = record_ok("{\"name\": \"ext\", \"type\": \"CNAME\", \"value\": \"host.example.com.\", \"ttl\": 86400}");
        assert_int_equal(r.ttl, 86400);
        r = record_ok("{\"name\": \"@\", \"type\": \"MX\", \"value\": \"mail.example.com.\", \"priority\": 10}");
        assert_int_equal(r.priority, 10);
        r = record_ok("{\"name\": \"@\", \"type\": \"MX\", \"value\": \"mx1\", \"priority\": 0}");
        r = record_ok("{\"name\": \"_sip._tcp\", \"type\": \"SRV\", \"value\": \"sip\", \"priority\": 10, \"weight\": 5, "
                      "\"port\": 5060}");
        assert_int_equal(r.priority, 10);
        assert_int_equal(r.weight, 5);
        assert_int_equal(r.port, 5060);
        r = record_ok("{\"name\": \"_imaps._tcp.office\", \"type\": \"SRV\", \"value\": \"mail.example.com.\", "
                      "\"priority\": 65535, \"weight\": 0, \"port\": 65535}");
        /* TXT: quotes and backslashes are text, UTF-8 too. */
        r = record_ok("{\"name\": \"@\", \"type\": \"TXT\", \"value\": \"v=spf1 -all\"}");
        r = record_ok("{\"name\": \"q\", \"type\": \"TXT\", \"value\": \"say \\\"hi\\\" \\\\ back; {x} caf\xc3\xa9\"}");
        assert_string_equal(r.value, "say \"hi\" \\ back; {x} caf\xc3\xa9");
        char text[1100];
        memset(text, 'x', 1024);
        text[1024] = 0;
        char body[1200];
        snprintf(body, sizeof body, "{\"name\": \"long\", \"type\": \"TXT\", \"value\": \"%s\"}", text);
        r = record_ok(body);
        assert_int_equal(strlen(r.value), 1024);
        text[1024] = 'x';
        text[1025] = 0;
        snprintf(body, sizeof body, "{\"name\": \"long\", \"type\": \"TXT\", \"value\": \"%s\"}", text);
        record_bad(body, "value");
}

static void test_records_refused(void **state) {
        (void)state;
        /* Every field's grammar, named. */
        record_bad("{\"name\": \"www\", \"type\": \"A\"}", "value");
        record_bad("{\"type\": \"A\", \"value\": \"192.0.2.1\"}", "name");
        record_bad("{\"name\": \"www\", \"value\": \"192.0.2.1\"}", "type");
        record_bad("{\"name\": \"www\", \"type\": \"a\", \"value\": \"192.0.2.1\"}", "type");
        record_bad("{\"name\": \"www\", \"type\": \"PTR\", \"value\": \"x\"}", "type");
        record_bad("{\"name\": \"www\", \"type\": \"A \", \"value\": \"192.0.2.1\"}", "type");
        record_bad("{\"name\": \"www\", \"type\": 1, \"value\": \"192.0.2.1\"}", "type");
        record_bad("{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\", \"ttl\": 86401}", "ttl");
        record_bad("{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\", \"ttl\": -1}", "ttl");
        record_bad("{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\", \"ttl\": 1.5}", "ttl");
        record_bad("{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\", \"extra\": 1}", NULL);

        /* A and AAAA. */
        static const char *const bad_a[] = {"192.0.2", "192.0.2.1.", "192.0.2.01", "192.0.2.256", "1.2.3.4 ",
                                            "localhost", "2001:db8::1", "192.0.2.1\\n", "0x7f.0.0.1", ""};
        for (size_t i = 0; i < ELEMENTSOF(bad_a); i++) {
                char body[128];
                snprintf(body, sizeof body, "{\"name\": \"www\", \"type\": \"A\", \"value\": \"%s\"}", bad_a[i]);
                record_bad(body, "value");
        }
        static const char *const bad_aaaa[] = {"192.0.2.1", "2001:db8::g", "2001:db8:::1", "fe80::1%eth0",
                                               "[2001:db8::1]", "2001:db8::1/64", " ::1", "::1\\n"};
        for (size_t i = 0; i < ELEMENTSOF(bad_aaaa); i++) {
                char body[128];
                snprintf(body, sizeof body, "{\"name\": \"www\", \"type\": \"AAAA\", \"value\": \"%s\"}", bad_aaaa[i]);
                record_bad(body, "value");
        }

        /* Targets of CNAME, MX and SRV: names, no injection, no address. */
        static const char *const bad_target[] = {
                "", ".", "a..b", "a.b..", "Www", "www\\n", "www\\\" IN A 1.2.3.4", "a b", "a{b", "../etc",
                "a/b", "-a", "192.0.2.1", "192.0.2.1.", "a;b", "@", "*.x", "www\\r", "caf\xc3\xa9",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad_target); i++) {
                char body[256];
                snprintf(body, sizeof body, "{\"name\": \"c\", \"type\": \"CNAME\", \"value\": \"%s\"}", bad_target[i]);
                record_bad(body, "value");
                snprintf(body, sizeof body, "{\"name\": \"@\", \"type\": \"MX\", \"value\": \"%s\", \"priority\": 1}",
                         bad_target[i]);
                record_bad(body, "value");
                snprintf(body, sizeof body,
                         "{\"name\": \"_a._tcp\", \"type\": \"SRV\", \"value\": \"%s\", \"priority\": 1, \"weight\": 1, "
                         "\"port\": 1}",
                         bad_target[i]);
                record_bad(body, "value");
        }

        /* TXT: never a control character, so never a newline. */
        static const char *const bad_txt[] = {"", "a\\nb", "a\\rb", "a\\tb", "\\u007f", "\\u0085", "\\u2028", "end\\n"};
        for (size_t i = 0; i < ELEMENTSOF(bad_txt); i++) {
                char body[128];
                snprintf(body, sizeof body, "{\"name\": \"t\", \"type\": \"TXT\", \"value\": \"%s\"}", bad_txt[i]);
                record_bad(body, "value");
        }

        /* Names, for every type. */
        static const char *const bad_name[] = {"WWW", "a b", "a\\nb", "a\\\"b", "{a}", "../x", "x/", "", "a..b", ".",
                                               "*"};
        for (size_t i = 0; i < ELEMENTSOF(bad_name); i++) {
                char body[128];
                snprintf(body, sizeof body, "{\"name\": \"%s\", \"type\": \"TXT\", \"value\": \"x\"}", bad_name[i]);
                record_bad(body, "name");
        }

        /* priority, weight, port: required where the type has them, refused
         * elsewhere, each named. */
        record_bad("{\"name\": \"@\", \"type\": \"MX\", \"value\": \"mail\"}", "priority");
        record_bad("{\"name\": \"@\", \"type\": \"MX\", \"value\": \"mail\", \"priority\": 65536}", "priority");
        record_bad("{\"name\": \"@\", \"type\": \"MX\", \"value\": \"mail\", \"priority\": -1}", "priority");
        record_bad("{\"name\": \"@\", \"type\": \"MX\", \"value\": \"mail\", \"priority\": 1, \"weight\": 1}", "weight");
        record_bad("{\"name\": \"@\", \"type\": \"MX\", \"value\": \"mail\", \"priority\": 1, \"port\": 25}", "port");
        record_bad("{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\", \"priority\": 1}", "priority");
        record_bad("{\"name\": \"www\", \"type\": \"CNAME\", \"value\": \"x\", \"weight\": 0}", "weight");
        record_bad("{\"name\": \"www\", \"type\": \"TXT\", \"value\": \"x\", \"port\": 80}", "port");
        record_bad("{\"name\": \"_a._tcp\", \"type\": \"SRV\", \"value\": \"x\", \"weight\": 1, \"port\": 1}", "priority");
        record_bad("{\"name\": \"_a._tcp\", \"type\": \"SRV\", \"value\": \"x\", \"priority\": 1, \"port\": 1}", "weight");
        record_bad("{\"name\": \"_a._tcp\", \"type\": \"SRV\", \"value\": \"x\", \"priority\": 1, \"weight\": 1}", "port");
        record_bad("{\"name\": \"_a._tcp\", \"type\": \"SRV\", \"value\": \"x\", \"priority\": 1, \"weight\": 1, "
                   "\"port\": 0}",
                   "port");
        record_bad("{\"name\": \"_a._tcp\", \"type\": \"SRV\", \"value\": \"x\", \"priority\": 1, \"weight\": 1, "
                   "\"port\": 65536}",
                   "port");
        /* SRV names start with _service._proto. */
        static const char *const bad_srv_name[] = {"sip", "_sip", "sip._tcp", "_sip.tcp", "_._tcp", "_sip._", "@",
                                                   "x._sip._tcp"};
        for (size_t i = 0; i < ELEMENTSOF(bad_srv_name); i++) {
                char body[256];
                snprintf(body, sizeof body,
                         "{\"name\": \"%s\", \"type\": \"SRV\", \"value\": \"x\", \"priority\": 1, \"weight\": 1, "
                         "\"port\": 1}",
                         bad_srv_name[i]);
                record_bad(body, "name");
        }

        /* dns_record_check on its own refuses a non-canonical AAAA and
         * stray fields. */
        struct dns_error err;
        struct dns_record r = {.type = DNS_TYPE_AAAA, .ttl = 1};
        strcpy(r.name, "v6");
        strcpy(r.value, "2001:DB8::1");
        assert_int_equal(dns_record_check(&r, &err), -EINVAL);
        assert_string_equal(err.field, "value");
        strcpy(r.value, "2001:db8::1");
        assert_int_equal(dns_record_check(&r, &err), 0);
        r.port = 53;
        assert_int_equal(dns_record_check(&r, &err), -EINVAL);
        assert_string_equal(err.field, "port");
        r.port = 0;
        r.type = _DNS_TYPE_MAX;
        assert_int_equal(dns_record_check(&r, &err), -EINVAL);
        assert_string_equal(err.field, "type");
}

static void test_json_and_describe(void **state) {
        (void)state;
        struct dns_record r = record_ok("{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\", \"ttl\": 60}");
        r.id = 7;
        _cleanup_json_ json_t *j = dns_record_to_json(&r, "mycell.cell");
        _cleanup_json_ json_t *want = test_json("{\"id\": 7, \"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\", "
                                                "\"ttl\": 60, \"fqdn\": \"www.mycell.cell\"}");
        assert_true(json_equal(j, want));

        r = record_ok("{\"name\": \"@\", \"type\": \"MX\", \"value\": \"mail\", \"priority\": 10}");
        json_decref(j);
        j = dns_record_to_json(&r, "mycell.cell");
        assert_string_equal(json_string_value(json_object_get(j, "fqdn")), "mycell.cell");
        assert_int_equal(json_integer_value(json_object_get(j, "priority")), 10);
        assert_null(json_object_get(j, "weight"));
        assert_null(json_object_get(j, "port"));
        char what[160];
        dns_record_describe(&r, what, sizeof what);
        assert_string_equal(what, "@ MX 10 mail");

        r = record_ok("{\"name\": \"_sip._tcp\", \"type\": \"SRV\", \"value\": \"sip\", \"priority\": 1, \"weight\": 2, "
                      "\"port\": 5060}");
        json_decref(j);
        j = dns_record_to_json(&r, "mycell.cell");
        assert_int_equal(json_integer_value(json_object_get(j, "weight")), 2);
        assert_int_equal(json_integer_value(json_object_get(j, "port")), 5060);
        assert_string_equal(json_string_value(json_object_get(j, "fqdn")), "_sip._tcp.mycell.cell");
        dns_record_describe(&r, what, sizeof what);
        assert_string_equal(what, "_sip._tcp SRV 1 2 5060 sip");

        /* A long TXT is cut in the description, never mid-character. */
        char body[400], text[200] = "";
        for (int i = 0; i < 40; i++)
                strcat(text, "\xc3\xa9"); /* 2 bytes each */
        snprintf(body, sizeof body, "{\"name\": \"t\", \"type\": \"TXT\", \"value\": \"%s\"}", text);
        r = record_ok(body);
        dns_record_describe(&r, what, sizeof what);
        assert_true(strlen(what) < 80);
        assert_non_null(strstr(what, "..."));
        assert_true(valid_text(what, 1, sizeof what));
        json_decref(j);
        j = dns_record_to_json(&r, "mycell.cell");
        assert_null(json_object_get(j, "priority"));
}

/* ---- on a real cell ---- */

struct cell {
        char *dir;
        char *cell_dir;
        struct store *store;
};

static int cell_setup(void **state) {
        struct cell *c = calloc(1, sizeof *c);
        c->dir = test_tmpdir();
        c->cell_dir = test_path(c->dir, "cell");
        struct cell_init_options o = {.dir = c->cell_dir, .name = "mycell", .admin_password = "correct horse"};
        const char *field = NULL, *msg = NULL;
        char *password = NULL;
        int r = cell_init(&o, &field, &msg, &password);
        if (r < 0)
                fail_msg("cell_init: %d %s %s", r, field, msg);
        char *db = cell_db_path(c->cell_dir);
        assert_int_equal(store_open(db, &c->store), 0);
        free(db);
        *state = c;
        return 0;
}

static int cell_teardown(void **state) {
        struct cell *c = *state;
        store_close(c->store);
        test_rmdir(c->dir);
        free(c->cell_dir);
        free(c);
        return 0;
}

static int64_t count_rows(struct store *s, const char *sql) {
        sqlite3_stmt *stmt;
        assert_int_equal(sqlite3_prepare_v2(store_db(s), sql, -1, &stmt, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
        int64_t n = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        return n;
}

/* Creates a record in its own revision; returns its id. */
static int64_t create_ok(struct store *s, const char *text) {
        struct dns_record r = record_ok(text);
        struct dns_error err = {0};
        struct txn t;
        assert_int_equal(txn_begin(s, &t), 0);
        int e = dns_records_create(&t, &r, &err);
        if (e < 0) {
                txn_abort(&t);
                fail_msg("create %s: %d %s %s", text, e, err.field ? err.field : "-", err.message);
        }
        assert_int_equal(txn_commit(&t, "tester", "create", NULL), 0);
        assert_true(r.id > 0);
        return r.id;
}

/* A create that the store refuses with r (and field): nothing is stored. */
static void create_refused(struct store *s, const char *text, int want, const char *field) {
        struct dns_record r = record_ok(text);
        struct dns_error err = {0};
        int64_t rows = count_rows(s, "SELECT COUNT(*) FROM dns_records"), rev = store_latest_revision(s);
        _cleanup_txn_ struct txn t = {0};
        assert_int_equal(txn_begin(s, &t), 0);
        int e = dns_records_create(&t, &r, &err);
        if (e != want)
                fail_msg("create %s = %d, want %d", text, e, want);
        if (field && (!err.field || strcmp(err.field, field)))
                fail_msg("create %s: field '%s', want '%s'", text, err.field ? err.field : "(none)", field);
        if (want != -EDQUOT)
                assert_true(strlen(err.message) > 0);
        txn_abort(&t);
        assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM dns_records"), rows);
        assert_int_equal(store_latest_revision(s), rev);
}

static int update(struct store *s, int64_t id, const char *text, bool *changed, struct dns_error *err) {
        struct dns_record r = record_ok(text);
        struct txn t;
        assert_int_equal(txn_begin(s, &t), 0);
        int e = dns_records_update(&t, id, &r, changed, err);
        if (e == 0 && *changed)
                assert_int_equal(txn_commit(&t, "tester", "update", NULL), 0);
        else
                txn_abort(&t);
        return e;
}

static json_t *last_change(struct store *s) {
        json_t *rev = NULL;
        assert_int_equal(revisions_get(s, store_latest_revision(s), &rev), 0);
        json_t *changes = json_object_get(json_object_get(rev, "diff"), "changes");
        assert_int_equal(json_array_size(changes), 1);
        json_t *c = json_incref(json_array_get(changes, 0));
        json_decref(rev);
        return c;
}

static void test_create_update_delete(void **state) {
        struct cell *c = *state;
        char zone[DNS_ZONE_MAX_LEN + 1];
        assert_int_equal(dns_zone(c->store, zone), 0);
        assert_string_equal(zone, "mycell.cell");

        int64_t rev = store_latest_revision(c->store);
        int64_t id = create_ok(c->store, "{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\"}");
        assert_int_equal(store_latest_revision(c->store), rev + 1);
        _cleanup_json_ json_t *ch = last_change(c->store);
        assert_string_equal(json_string_value(json_object_get(ch, "entity")), "dns_record");
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)id);
        assert_string_equal(json_string_value(json_object_get(ch, "key")), key);
        assert_true(json_is_null(json_object_get(ch, "before")));
        json_t *after = json_object_get(ch, "after");
        assert_string_equal(json_string_value(json_object_get(after, "value")), "192.0.2.1");
        assert_string_equal(json_string_value(json_object_get(after, "fqdn")), "www.mycell.cell");

        struct dns_record got;
        assert_int_equal(dns_records_get(c->store, id, &got), 0);
        assert_string_equal(got.name, "www");
        assert_int_equal(got.type, DNS_TYPE_A);
        assert_int_equal(got.ttl, 300);
        assert_int_equal(dns_records_get(c->store, id + 100, &got), -ENOENT);

        /* Full replacement: A -> MX, with the fields MX has. */
        bool changed = false;
        struct dns_error err = {0};
        assert_int_equal(update(c->store, id, "{\"name\": \"www\", \"type\": \"MX\", \"value\": \"mail\", \"priority\": 5}",
                                &changed, &err),
                         0);
        assert_true(changed);
        assert_int_equal(store_latest_revision(c->store), rev + 2);
        json_decref(ch);
        ch = last_change(c->store);
        assert_string_equal(json_string_value(json_object_get(json_object_get(ch, "before"), "type")), "A");
        assert_string_equal(json_string_value(json_object_get(json_object_get(ch, "after"), "type")), "MX");
        assert_int_equal(json_integer_value(json_object_get(json_object_get(ch, "after"), "priority")), 5);
        assert_int_equal(dns_records_get(c->store, id, &got), 0);
        assert_int_equal(got.priority, 5);
        assert_int_equal(count_rows(c->store, "SELECT COUNT(*) FROM dns_records WHERE priority = 5 AND weight IS NULL "
                                              "AND port IS NULL"),
                         1);

        /* The same again: no change, no revision. */
        assert_int_equal(update(c->store, id, "{\"name\": \"www\", \"type\": \"MX\", \"value\": \"mail\", \"priority\": 5}",
                                &changed, &err),
                         0);
        assert_false(changed);
        assert_int_equal(store_latest_revision(c->store), rev + 2);
        assert_int_equal(update(c->store, id + 100, "{\"name\": \"x\", \"type\": \"TXT\", \"value\": \"x\"}", &changed, &err),
                         -ENOENT);

        /* Delete. */
        struct txn t;
        assert_int_equal(txn_begin(c->store, &t), 0);
        struct dns_record old;
        assert_int_equal(dns_records_delete(&t, id, &old), 0);
        assert_int_equal(txn_commit(&t, "tester", "delete", NULL), 0);
        assert_string_equal(old.value, "mail");
        json_decref(ch);
        ch = last_change(c->store);
        assert_true(json_is_null(json_object_get(ch, "after")));
        assert_string_equal(json_string_value(json_object_get(json_object_get(ch, "before"), "value")), "mail");
        assert_int_equal(dns_records_get(c->store, id, &got), -ENOENT);
        assert_int_equal(txn_begin(c->store, &t), 0);
        assert_int_equal(dns_records_delete(&t, id, NULL), -ENOENT);
        txn_abort(&t);

        /* Ids are never reused. */
        int64_t id2 = create_ok(c->store, "{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\"}");
        assert_true(id2 > id);
}

static void test_conflicts(void **state) {
        struct cell *c = *state;
        create_ok(c->store, "{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\"}");
        int64_t txt = create_ok(c->store, "{\"name\": \"www\", \"type\": \"TXT\", \"value\": \"hello\"}");
        int64_t alias = create_ok(c->store, "{\"name\": \"alias\", \"type\": \"CNAME\", \"value\": \"www\"}");

        /* An exact duplicate (the ttl does not make it another record). */
        create_refused(c->store, "{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\", \"ttl\": 5}", -EEXIST, NULL);
        create_refused(c->store, "{\"name\": \"alias\", \"type\": \"CNAME\", \"value\": \"www\"}", -EEXIST, NULL);
        /* Same name and type, another value: a second A is fine. */
        create_ok(c->store, "{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.2\"}");

        /* A CNAME beside another record of its name, either way round. */
        create_refused(c->store, "{\"name\": \"www\", \"type\": \"CNAME\", \"value\": \"other\"}", -EEXIST, "name");
        create_refused(c->store, "{\"name\": \"alias\", \"type\": \"A\", \"value\": \"192.0.2.9\"}", -EEXIST, "name");
        create_refused(c->store, "{\"name\": \"alias\", \"type\": \"TXT\", \"value\": \"x\"}", -EEXIST, "name");
        create_refused(c->store, "{\"name\": \"alias\", \"type\": \"CNAME\", \"value\": \"other\"}", -EEXIST, "name");
        /* At the apex, a CNAME is never possible. */
        create_refused(c->store, "{\"name\": \"@\", \"type\": \"CNAME\", \"value\": \"www\"}", -EEXIST, "name");
        /* The names of the cell's services belong to the cell. */
        for (unsigned i = 0; i < config_services_count; i++) {
                char body[128];
                snprintf(body, sizeof body, "{\"name\": \"%s\", \"type\": \"A\", \"value\": \"192.0.2.1\"}",
                         config_services[i]);
                create_refused(c->store, body, -EEXIST, "name");
                snprintf(body, sizeof body, "{\"name\": \"%s\", \"type\": \"TXT\", \"value\": \"x\"}", config_services[i]);
                create_refused(c->store, body, -EEXIST, "name");
        }
        /* ...but not names under them or that merely contain them. */
        create_ok(c->store, "{\"name\": \"files2\", \"type\": \"A\", \"value\": \"192.0.2.1\"}");
        create_ok(c->store, "{\"name\": \"_x.dns\", \"type\": \"TXT\", \"value\": \"x\"}");

        /* Updates: a record may keep its own name and value (no conflict
         * with itself), but not become a conflict. */
        bool changed;
        struct dns_error err = {0};
        assert_int_equal(update(c->store, alias, "{\"name\": \"alias\", \"type\": \"CNAME\", \"value\": \"www\", \"ttl\": 60}",
                                &changed, &err),
                         0);
        assert_true(changed);
        int64_t rev = store_latest_revision(c->store);
        assert_int_equal(update(c->store, txt, "{\"name\": \"www\", \"type\": \"CNAME\", \"value\": \"x\"}", &changed, &err),
                         -EEXIST);
        assert_string_equal(err.field, "name");
        assert_int_equal(update(c->store, txt, "{\"name\": \"alias\", \"type\": \"TXT\", \"value\": \"x\"}", &changed, &err),
                         -EEXIST);
        assert_int_equal(update(c->store, txt, "{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.2\"}", &changed,
                                &err),
                         -EEXIST);
        assert_null(err.field);
        assert_int_equal(update(c->store, txt, "{\"name\": \"mail\", \"type\": \"TXT\", \"value\": \"x\"}", &changed, &err),
                         -EEXIST);
        assert_int_equal(store_latest_revision(c->store), rev);
        /* The only record of its name may become a CNAME. */
        assert_int_equal(update(c->store, alias, "{\"name\": \"alias\", \"type\": \"CNAME\", \"value\": \"elsewhere.example.\"}",
                                &changed, &err),
                         0);
        int64_t lone = create_ok(c->store, "{\"name\": \"lone\", \"type\": \"TXT\", \"value\": \"x\"}");
        assert_int_equal(update(c->store, lone, "{\"name\": \"lone\", \"type\": \"CNAME\", \"value\": \"www\"}", &changed, &err),
                         0);
        assert_true(changed);
}

static void test_name_length_with_zone(void **state) {
        struct cell *c = *state;
        /* 200 characters fit under the 11 of "mycell.cell"... */
        char name[256] = "";
        while (strlen(name) < 190)
                strcat(name, "abcdefghi.");
        strcat(name, "abcdefghi"); /* 199 */
        char body[512];
        snprintf(body, sizeof body, "{\"name\": \"%s\", \"type\": \"TXT\", \"value\": \"x\"}", name);
        create_ok(c->store, body);

        /* ...but not under a zone of 60 characters. */
        _cleanup_json_ json_t *changes = test_json("{\"domain\": \"a123456789.b123456789.c123456789.d123456789.e1234567\"}");
        struct txn t;
        assert_int_equal(txn_begin(c->store, &t), 0);
        assert_int_equal(config_set(&t, "domain", json_object_get(changes, "domain")), 0);
        assert_int_equal(txn_commit(&t, "tester", "long domain", NULL), 0);
        snprintf(body, sizeof body, "{\"name\": \"x%s\", \"type\": \"TXT\", \"value\": \"x\"}", name);
        create_refused(c->store, body, -EINVAL, "name");
        snprintf(body, sizeof body, "{\"name\": \"c\", \"type\": \"CNAME\", \"value\": \"%s\"}", name);
        create_refused(c->store, body, -EINVAL, "value");
        /* An absolute target does not carry the zone. */
        snprintf(body, sizeof body, "{\"name\": \"c\", \"type\": \"CNAME\", \"value\": \"%s.\"}", name);
        create_ok(c->store, body);
}

static int collect(const struct dns_record *r, void *userdata) {
        json_t *list = userdata;
        char line[DNS_NAME_MAX_LEN + DNS_VALUE_MAX_LEN + 16];
        snprintf(line, sizeof line, "%s %s %s", r->name, dns_type_to_string(r->type), r->value);
        json_array_append_new(list, json_string(line));
        return 0;
}

static int stop_at_two(const struct dns_record *r, void *userdata) {
        (void)r;
        int *n = userdata;
        return ++*n == 2 ? -ECANCELED : 0;
}

static void test_list_and_foreach(void **state) {
        struct cell *c = *state;
        create_ok(c->store, "{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.2\"}");
        create_ok(c->store, "{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\"}");
        create_ok(c->store, "{\"name\": \"@\", \"type\": \"MX\", \"value\": \"mail.example.com.\", \"priority\": 10}");
        create_ok(c->store, "{\"name\": \"www\", \"type\": \"AAAA\", \"value\": \"2001:db8::1\"}");
        create_ok(c->store, "{\"name\": \"_sip._tcp\", \"type\": \"SRV\", \"value\": \"sip\", \"priority\": 1, "
                            "\"weight\": 1, \"port\": 5060}");
        create_ok(c->store, "{\"name\": \"notes\", \"type\": \"TXT\", \"value\": \"Hello World\"}");

        _cleanup_json_ json_t *walk = json_array();
        assert_int_equal(dns_records_foreach(c->store, collect, walk), 0);
        _cleanup_json_ json_t *want = test_json("[\"@ MX mail.example.com.\", \"_sip._tcp SRV sip\", \"notes TXT Hello World\", "
                                                "\"www A 192.0.2.1\", \"www A 192.0.2.2\", \"www AAAA 2001:db8::1\"]");
        if (!json_equal(walk, want))
                fail_msg("foreach order: %s", json_dumps(walk, 0));
        int n = 0;
        assert_int_equal(dns_records_foreach(c->store, stop_at_two, &n), -ECANCELED);
        assert_int_equal(n, 2);

        struct {
                struct dns_query q;
                int64_t total;
                unsigned n;
                const char *first_value;
        } cases[] = {
                {{NULL, -1, -1, 0}, 6, 6, "mail.example.com."},
                {{"www", -1, -1, 0}, 3, 3, "192.0.2.1"},
                {{"192.0.2", -1, -1, 0}, 2, 2, "192.0.2.1"},
                {{"HELLO", -1, -1, 0}, 1, 1, "Hello World"},       /* case-insensitive */
                {{"example", DNS_TYPE_MX, -1, 0}, 1, 1, "mail.example.com."},
                {{NULL, DNS_TYPE_A, -1, 0}, 2, 2, "192.0.2.1"},
                {{NULL, DNS_TYPE_CNAME, -1, 0}, 0, 0, NULL},
                {{"nothing", -1, -1, 0}, 0, 0, NULL},
                {{"%", -1, -1, 0}, 0, 0, NULL},                    /* no LIKE wildcards */
                {{"_", -1, -1, 0}, 1, 1, "sip"},                   /* ... '_' is literal */
                {{"", -1, -1, 0}, 6, 6, "mail.example.com."},
                {{NULL, -1, 2, 0}, 6, 2, "mail.example.com."},
                {{NULL, -1, 2, 3}, 6, 2, "192.0.2.1"},
                {{NULL, -1, 10, 5}, 6, 1, "2001:db8::1"},
                {{NULL, -1, 10, 6}, 6, 0, NULL},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_json_ json_t *list = NULL;
                int64_t total = -1;
                assert_int_equal(dns_records_list(c->store, &cases[i].q, "mycell.cell", &list, &total), 0);
                if (total != cases[i].total || json_array_size(list) != cases[i].n)
                        fail_msg("case %zu: total %lld, %zu listed; want %lld, %u", i, (long long)total,
                                 json_array_size(list), (long long)cases[i].total, cases[i].n);
                if (cases[i].first_value)
                        assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "value")),
                                            cases[i].first_value);
        }
}

static void test_bounded(void **state) {
        struct cell *c = *state;
        /* Fill the zone to its bound directly, then one more is refused. */
        assert_int_equal(store_exec(c->store,
                                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
                                    "INSERT INTO dns_records (name, type, value, ttl) SELECT 'h' || i, 'A', '192.0.2.1', 300 "
                                    "FROM n"),
                         0);
        create_refused(c->store, "{\"name\": \"one-more\", \"type\": \"A\", \"value\": \"192.0.2.1\"}", -EDQUOT, NULL);
        /* Changing and deleting still work at the bound. */
        bool changed;
        struct dns_error err = {0};
        assert_int_equal(update(c->store, 1, "{\"name\": \"h1\", \"type\": \"A\", \"value\": \"192.0.2.9\"}", &changed, &err),
                         0);
        assert_true(changed);
        struct txn t;
        assert_int_equal(txn_begin(c->store, &t), 0);
        assert_int_equal(dns_records_delete(&t, 2, NULL), 0);
        assert_int_equal(txn_commit(&t, "tester", "delete", NULL), 0);
        create_ok(c->store, "{\"name\": \"one-more\", \"type\": \"A\", \"value\": \"192.0.2.1\"}");
}

/* A store made before migration 003 gets the table and the two config
 * defaults when it is opened; values already there are kept. */
static void test_migration_on_old_store(void **state) {
        struct cell *c = *state;
        store_close(c->store);
        c->store = NULL;
        char *db = cell_db_path(c->cell_dir);
        sqlite3 *raw;
        assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
        assert_int_equal(sqlite3_exec(raw,
                                      "DROP TABLE peers; DROP TABLE dhcp_reservations; DROP TABLE dns_records; DELETE FROM sqlite_sequence WHERE name = 'dns_records'; "
                                      "DELETE FROM config WHERE key = 'dns.forwarders'; "
                                      "UPDATE config SET value = 'true' WHERE key = 'dns.forward_tls'; "
                                      "PRAGMA user_version = 2;",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_close(raw), SQLITE_OK);

        assert_int_equal(store_open(db, &c->store), 0);
        free(db);
        _cleanup_json_ json_t *flat = NULL;
        assert_int_equal(config_load(c->store, &flat), 0);
        assert_true(json_is_array(json_object_get(flat, "dns.forwarders")));
        assert_int_equal(json_array_size(json_object_get(flat, "dns.forwarders")), 0);
        assert_true(json_is_true(json_object_get(flat, "dns.forward_tls"))); /* kept: INSERT OR IGNORE */
        const char *field, *msg;
        assert_int_equal(config_check(flat, &field, &msg), 0);
        create_ok(c->store, "{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\"}");
}

int main(void) {
#define CELL(fn) cmocka_unit_test_setup_teardown(fn, cell_setup, cell_teardown)
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_forwarders),
                cmocka_unit_test(test_records_by_type),
                cmocka_unit_test(test_records_refused),
                cmocka_unit_test(test_json_and_describe),
                CELL(test_create_update_delete),
                CELL(test_conflicts),
                CELL(test_name_length_with_zone),
                CELL(test_list_and_foreach),
                CELL(test_bounded),
                CELL(test_migration_on_old_store),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
