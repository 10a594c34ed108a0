// Searching and paging of lists held in memory (users, tokens).

/** Items whose text (from `text`) contains every word of `query`, case-insensitively. */
export function search<T>(items: readonly T[], query: string, text: (item: T) => string): T[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...items];
  return items.filter((it) => {
    const hay = text(it).toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

export type Page<T> = { items: T[]; page: number; pageCount: number; total: number; first: number; last: number };

/** Page `page` (0-based, clamped) of `items`, `size` per page. */
export function paginate<T>(items: readonly T[], page: number, size: number): Page<T> {
  const total = items.length;
  const pageCount = Math.max(1, Math.ceil(total / size));
  const p = Math.min(Math.max(0, page), pageCount - 1);
  const start = p * size;
  const slice = items.slice(start, start + size);
  return { items: slice, page: p, pageCount, total, first: total === 0 ? 0 : start + 1, last: start + slice.length };
}
