// Search and page state for a list held in memory; a new search starts at page 1.
import { useState } from 'react';
import { paginate, search } from '../lib/paginate';

export function useListView<T>(items: readonly T[], text: (item: T) => string, pageSize = 10) {
  const [query, setQueryRaw] = useState('');
  const [page, setPage] = useState(0);
  const matches = search(items, query, text);
  const view = paginate(matches, page, pageSize);
  return {
    query,
    setQuery: (q: string) => {
      setQueryRaw(q);
      setPage(0);
    },
    setPage,
    ...view,
  };
}
