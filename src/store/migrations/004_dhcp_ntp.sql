-- DHCP reservations: a fixed address per MAC (lower case), and an optional
-- host name served as <name>.lan.<cell_name>.<domain>. Checked by
-- store/dhcp.c before they get here; an address is reserved once.
CREATE TABLE dhcp_reservations (
        mac TEXT PRIMARY KEY,
        ip TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL DEFAULT ''
);

-- DHCP is off until someone picks an interface and a range; NTP follows
-- the public pool unless told otherwise. Values are JSON text.
INSERT OR IGNORE INTO config (key, value) VALUES
        ('dhcp.enabled', 'false'),
        ('dhcp.interface', '""'),
        ('dhcp.range_start', '""'),
        ('dhcp.range_end', '""'),
        ('dhcp.router', '""'),
        ('dhcp.lease_time', '43200'),
        ('ntp.servers', '["pool.ntp.org"]'),
        ('ntp.local_stratum', '0'),
        ('ntp.allow', '[]');
