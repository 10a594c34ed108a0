-- Which WireGuard runs the VPN's interface: "auto" (the kernel's where
-- it has WireGuard, else wireguard-go), "kernel" or "userspace".
INSERT OR IGNORE INTO config (key, value) VALUES
        ('wireguard.implementation', '"auto"');
