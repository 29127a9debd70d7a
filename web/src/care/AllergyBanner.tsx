import type { AllergyBannerPartsFragment } from '../gql/graphql';

/**
 * The allergy banner under a chart's header (the care team's chart and the patient's own record):
 * the allergies still in force, high-risk ones and reactions named; a neutral line when none are.
 */
export function AllergyBanner({ allergies }: { allergies: readonly AllergyBannerPartsFragment[] | undefined }) {
  const active = (allergies ?? []).filter((allergy) => allergy.clinicalStatus !== 'INACTIVE' && allergy.clinicalStatus !== 'RESOLVED');
  if (!active.length)
    return (
      <p className="allergy-banner allergy-none" role="note">
        No known allergies recorded
      </p>
    );
  return (
    <div className="allergy-banner" role="note" aria-label="Allergies">
      <strong>Allergies:</strong>{' '}
      {active.map((allergy, index) => (
        <span key={allergy.id}>
          {index ? '; ' : ''}
          {allergy.code.display ?? allergy.code.code}
          {allergy.criticality === 'HIGH' ? ' (high risk)' : ''}
          {allergy.reactions.length ? ` — ${allergy.reactions.flatMap((r) => r.manifestations.map((m) => m.display)).filter(Boolean).join(', ')}` : ''}
        </span>
      ))}
    </div>
  );
}
