/**
 * Folds text for case- and accent-insensitive prefix search: "Muñoz" and "MUNOZ" both become
 * "munoz". Stored in *_search columns / token tables and applied to the query the same way.
 */
export function foldForSearch(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Search terms of a free-text query: folded words, at most `max` of them. */
export function searchTerms(query: string, max = 4): string[] {
  return foldForSearch(query).split(/[\s,]+/).filter(Boolean).slice(0, max);
}

/** Escapes LIKE wildcards so a user's `%` or `_` is matched literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
