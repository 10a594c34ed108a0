-- The cell's DNS zone: records under "<cell_name>.<domain>" ("@" is the
-- zone itself), checked for their type by store/dns.c before they get here.
-- priority is set for MX and SRV only, weight and port for SRV only.
-- AUTOINCREMENT: an id is never reused, so revisions keyed by it stay unambiguous.
CREATE TABLE dns_records (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('A', 'AAAA', 'CNAME', 'TXT', 'MX', 'SRV')),
        value TEXT NOT NULL,
        ttl INTEGER NOT NULL CHECK (ttl BETWEEN 0 AND 86400),
        priority INTEGER CHECK (priority BETWEEN 0 AND 65535),
        weight INTEGER CHECK (weight BETWEEN 0 AND 65535),
        port INTEGER CHECK (port BETWEEN 1 AND 65535),
        UNIQUE (name, type, value)
);

-- Upstream forwarders (a JSON list of "IPv4[@PORT[#tls-name]]") and whether
-- they are reached over DNS-over-TLS. Cells created before this migration
-- get the defaults too; values are JSON text.
INSERT OR IGNORE INTO config (key, value) VALUES ('dns.forwarders', '[]'), ('dns.forward_tls', 'false');
