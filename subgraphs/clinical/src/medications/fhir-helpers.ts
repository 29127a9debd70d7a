import type { BundleView } from '@caregraph/platform';
import type { CodeableConcept, Reference } from '@medplum/fhirtypes';

/** Our ids of the resources some references point at (unresolvable ones, e.g. absolute URLs, are left out), without duplicates. */
export function referencedIds(references: readonly Reference[] | undefined, bundle: BundleView): string[] {
  const ids = (references ?? []).map((reference) => bundle.resolve(reference.reference)).filter((id): id is string => Boolean(id));
  return [...new Set(ids)];
}

/**
 * A reference, for the export, to a record whose type we did not keep (a reasonReference may name
 * a Condition or an Observation): `urn:uuid:<id>` names the bundle entry (every fullUrl is
 * `urn:uuid:<our id>`) without claiming a type. A guessed `Condition/<id>` would be wrong FHIR
 * for an Observation, and the importer refuses a reference whose type does not match its entry.
 * The gateway, which sees the whole Bundle, writes it as `Type/<id>` (fhir-export.ts).
 */
export const bundleEntryReference = (id: string): { reference: string } => ({ reference: `urn:uuid:${id}` });

/** The resource type a reference names: the bundle entry's type, or the `Type/` of a relative reference. */
export function referencedType(reference: string | undefined, id: string, bundle: BundleView): string | undefined {
  return bundle.byId.get(id)?.resourceType ?? /^([A-Z][A-Za-z]+)\//.exec(reference ?? '')?.[1];
}

/** The practitioner a reference names, or null (it may also name a PractitionerRole, an Organization, ...). */
export function practitionerIdOf(reference: Reference | undefined, bundle: BundleView): string | null {
  const id = bundle.resolve(reference?.reference);
  return id && referencedType(reference?.reference, id, bundle) === 'Practitioner' ? id : null;
}

/** What a concept says in words: its text, else the first coding's display. */
export function conceptText(concept: CodeableConcept | undefined): string | null {
  const text = concept?.text?.trim() || concept?.coding?.find((coding) => coding.display?.trim())?.display?.trim();
  return text || null;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * The words of a FHIR narrative (`text.div`, XHTML) as plain text: block elements and <br/> end
 * lines, list items start with "- ", every other tag goes, entities are decoded, blank lines
 * dropped. Clients print it as text (it never goes back out as HTML).
 */
export function narrativeText(div: string | undefined): string | null {
  if (!div) return null;
  const text = div
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(/<br\s*\/?>|<\/?(?:p|div|ul|ol|li|tr|table|h[1-6])\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (match, entity: string) => {
      if (entity[0] === '#') {
        const code = entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
      }
      return ENTITIES[entity.toLowerCase()] ?? match;
    });
  const lines = text.split('\n').map((line) => line.replace(/[ \t\r\f\v]+/g, ' ').trim()).filter((line) => line && line !== '-');
  return lines.length ? lines.join('\n') : null;
}
