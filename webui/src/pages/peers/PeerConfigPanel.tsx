// A peer's config for its device: the QR code the WireGuard app scans, the
// text, and the .conf file. It holds the peer's private key (when the cell
// made the pair), so it is fetched when shown and not kept in the cache.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useMemo } from 'react';
import { api, type Peer } from '../../api';
import { keys } from '../../app/queries';
import { Alert, ErrorAlert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { Loading } from '../../components/Card';
import { saveBlob } from '../../lib/download';
import { svgDataUrl } from './peerFields';

const LINK =
  'inline-flex items-center justify-center gap-1 rounded-md bg-sky-700 px-3 py-1.5 text-sm font-medium text-white shadow-sm hover:bg-sky-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-600 focus-visible:ring-offset-2';

export function PeerConfigPanel({
  peer,
  title,
  endpointMissing,
  onClose,
}: {
  peer: Peer;
  title: string;
  /** The cell has no public endpoint yet: the config says so instead of an Endpoint line. */
  endpointMissing: boolean;
  onClose: () => void;
}) {
  const headingId = useId();
  const config = useQuery({
    queryKey: keys.peerConfig(peer.name),
    queryFn: () => api.peerConfig(peer.name),
    gcTime: 0,
    staleTime: 0,
    refetchOnWindowFocus: false,
  });
  const qrUrl = useMemo(() => (config.data ? svgDataUrl(config.data.qr_svg) : null), [config.data]);
  const filename = config.data?.filename ?? `${peer.name}.conf`;
  // The file as picd serves it (format=conf), fetched by the client so that
  // an error shows here and a lost session goes back to login.
  const download = useMutation({
    mutationFn: () => api.peerConfigFile(peer.name),
    onSuccess: (f) => saveBlob(f.blob, f.filename ?? filename),
  });

  return (
    <section aria-labelledby={headingId} data-testid="peer-config" data-peer={peer.name} className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id={headingId} className="text-sm font-semibold text-slate-900">
          {title}
        </h3>
        <Button onClick={onClose}>Close</Button>
      </div>
      {config.isPending ? <Loading what="the config" /> : null}
      <ErrorAlert error={config.error} prefix="Cannot load the config" />
      {config.data && qrUrl ? (
        <>
          {peer.key_kept_by_cell ? (
            <Alert tone="warning">The config holds the peer's private key: give it to that device only.</Alert>
          ) : (
            <Alert tone="info">
              This peer brought its own key: the config has no private key. Put the device's own into its PrivateKey line.
            </Alert>
          )}
          {endpointMissing ? (
            <Alert tone="warning">
              The cell's public endpoint is not set (Settings), so the config has no Endpoint line yet.
            </Alert>
          ) : null}
          <div className="grid gap-4 md:grid-cols-[auto_minmax(0,1fr)]">
            <figure className="flex flex-col items-center gap-1">
              <img
                src={qrUrl}
                alt={`QR code of the config of ${peer.name}`}
                width={320}
                height={320}
                className="h-80 w-80 bg-white ring-1 ring-slate-200"
                data-testid="peer-qr"
              />
              <figcaption className="text-xs text-slate-500">Scan it with the WireGuard app</figcaption>
            </figure>
            <div className="min-w-0 space-y-2">
              <pre
                aria-label={`Config of ${peer.name}`}
                data-testid="peer-config-text"
                className="max-h-72 overflow-auto rounded-md bg-slate-900 p-3 font-mono text-xs leading-relaxed text-slate-100"
              >
                {config.data.config}
              </pre>
              <div className="flex flex-wrap items-center gap-2">
                <a
                  href={api.peerConfigFileUrl(peer.name)}
                  download={filename}
                  className={LINK}
                  aria-disabled={download.isPending || undefined}
                  onClick={(e) => {
                    e.preventDefault();
                    if (!download.isPending) download.mutate();
                  }}
                >
                  Download .conf
                </a>
                <span className="font-mono text-xs text-slate-600">{filename}</span>
              </div>
              <ErrorAlert error={download.error} prefix="Not downloaded" />
            </div>
          </div>
        </>
      ) : null}
    </section>
  );
}
