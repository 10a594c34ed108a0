-- VPN peers. The keys a peer's config needs live in files of mode 0600
-- under DIR/secrets/peers/ (<name>.key when the cell made the key pair,
-- <name>.psk always); the store keeps only the public key. services is a
-- JSON list of the cell's service names the peer may reach.
CREATE TABLE peers (
        name TEXT PRIMARY KEY,
        ip TEXT NOT NULL UNIQUE,
        public_key TEXT NOT NULL UNIQUE,
        cell_key INTEGER NOT NULL CHECK (cell_key IN (0, 1)),
        services TEXT NOT NULL DEFAULT '[]',
        full_tunnel INTEGER NOT NULL DEFAULT 0 CHECK (full_tunnel IN (0, 1)),
        keepalive INTEGER NOT NULL DEFAULT 25 CHECK (keepalive BETWEEN 0 AND 3600),
        enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        expires INTEGER,
        created INTEGER NOT NULL
);

INSERT OR IGNORE INTO config (key, value) VALUES
        ('wireguard.interface', '"pic0"'),
        ('wireguard.uplink', '""'),
        ('wireguard.peer_to_peer', 'false');
