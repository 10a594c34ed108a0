// Search box and pager for lists that grow.
import { useId } from 'react';
import { Button } from './Button';

export function SearchBox({
  value,
  onChange,
  label,
  placeholder,
}: {
  value: string;
  onChange: (v: string) => void;
  label: string;
  placeholder?: string;
}) {
  const id = useId();
  return (
    <div className="flex items-center gap-2">
      <label htmlFor={id} className="text-sm font-medium text-slate-700">
        {label}
      </label>
      <input
        id={id}
        type="search"
        value={value}
        placeholder={placeholder}
        onChange={(e) => onChange(e.target.value)}
        className="w-56 rounded-md border-0 px-2.5 py-1.5 text-sm shadow-sm ring-1 ring-inset ring-slate-300 focus:outline-none focus:ring-2 focus:ring-sky-600"
      />
    </div>
  );
}

/** Previous/next for a list paged in memory (page is 0-based). */
export function Pager({
  page,
  pageCount,
  first,
  last,
  total,
  onPage,
  noun,
}: {
  page: number;
  pageCount: number;
  first: number;
  last: number;
  total: number;
  onPage: (p: number) => void;
  noun: string;
}) {
  return (
    <nav aria-label={`${noun} pages`} className="mt-3 flex items-center justify-between gap-2 text-sm">
      <p className="text-slate-600" aria-live="polite">
        {total === 0 ? `No ${noun}` : `${first}–${last} of ${total} ${noun}`}
      </p>
      <div className="flex items-center gap-2">
        <Button onClick={() => onPage(page - 1)} disabled={page <= 0}>
          Previous
        </Button>
        <span className="text-slate-600">
          Page {page + 1} of {pageCount}
        </span>
        <Button onClick={() => onPage(page + 1)} disabled={page >= pageCount - 1}>
          Next
        </Button>
      </div>
    </nav>
  );
}
