// Saving bytes the UI fetched (with the client's session and error
// handling) as a file: an object URL behind a link with `download`, clicked.

/** Offers `blob` as a download named `filename`. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download has its own copy once it started; keep the URL a while for slow starts.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
