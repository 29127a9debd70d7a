import { HumanName, badInput, foldForSearch, type HumanNameInput } from '@caregraph/platform';

type NameLike = { use?: string | null; family?: string | null; given?: string[] | null; prefix?: string[] | null; suffix?: string[] | null; text?: string | null };

const clean = (parts: readonly (string | null | undefined)[] | null | undefined): string[] =>
  (parts ?? []).map((part) => (part ?? '').trim()).filter(Boolean);

/** A HumanName as stored: trimmed, lists always present, `text` filled as "Dr. Rebecca Labadie". */
export function normalizeName(name: NameLike): HumanName {
  const given = clean(name.given);
  const prefix = clean(name.prefix);
  const suffix = clean(name.suffix);
  const family = name.family?.trim() || null;
  const text = name.text?.trim() || [...prefix, ...given, family, ...suffix].filter(Boolean).join(' ') || null;
  return { use: name.use ?? null, family, given, prefix, suffix, text };
}

/** Names from mutation input: at least one, each with a family or given name. */
export function namesFromInput(names: readonly HumanNameInput[], field = 'names'): HumanName[] {
  if (!names.length) throw badInput(field, `${field} must contain at least one name`);
  return names.map((name, index) => {
    const normalized = normalizeName(name);
    if (!normalized.family && !normalized.given.length) throw badInput(`${field}[${index}]`, 'A name needs a family or a given name');
    return normalized;
  });
}

/** The name used for display and sorting: official, else usual, else the first that is not old/maiden. */
export function primaryName(names: readonly HumanName[]): HumanName | undefined {
  return (
    names.find((n) => n.use === 'official') ??
    names.find((n) => n.use === 'usual') ??
    names.find((n) => n.use !== 'old' && n.use !== 'maiden') ??
    names[0]
  );
}

/** Folded "family given" of the primary name: the sort key of patient and practitioner lists. */
export function sortName(names: readonly HumanName[]): string {
  const name = primaryName(names);
  return name ? foldForSearch([name.family ?? '', ...name.given].join(' ')) : '';
}

/**
 * Search tokens of every given and family name (maiden and old names included, so a patient is
 * found by a former name): folded words, plus the parts of hyphenated/apostrophe names and the
 * word without punctuation ("o'brien" → o'brien, o, brien, obrien).
 */
export function nameTokens(names: readonly HumanName[]): string[] {
  const tokens = new Set<string>();
  for (const name of names) {
    for (const part of [name.family ?? '', ...name.given]) {
      for (const word of foldForSearch(part).split(/[\s,]+/)) {
        if (!word) continue;
        tokens.add(word);
        if (/[-'’.]/.test(word)) {
          for (const piece of word.split(/[-'’.]+/)) if (piece) tokens.add(piece);
          const joined = word.replace(/[-'’.]+/g, '');
          if (joined) tokens.add(joined);
        }
      }
    }
  }
  return [...tokens].map((token) => token.slice(0, 100));
}
