import type { Bundle, BundleEntry, Claim, ClaimItem, ExplanationOfBenefit, Resource } from '@medplum/fhirtypes';
import { v5 as uuidv5 } from 'uuid';
import { hashSeed, Random } from './prng';
import type { DemoDirectory, DemoOrganization, DemoPatient } from './generator';

/*
 * The billing side of the demo: what a hospital's billing clerk works with. Every demo claim gets
 * the payer's ExplanationOfBenefit (paid, or denied with a CARC reason), and each demo hospital a
 * ledger of its own over the last 15 months before the run date: claims across the payers,
 * adjudicated after a realistic delay (most within five weeks, a few stuck for months), some
 * denied (CO-50, CO-197, CO-16, CO-29) or partly denied (CO-97), paid by the payer with the
 * adjudication, the patients' shares left outstanding. All of it is FHIR, imported by the same
 * importer as any data (the billing ingestor writes the ledger). Deterministic: a stream of its
 * own per patient, hospital and month, seeded from the demo seed (and the run date's month).
 */

const DAY = 86_400_000;
const CARC = 'https://x12.org/codes/claim-adjustment-reason-codes';
const CPT = 'http://www.ama-assn.org/go/cpt';
const ADJUDICATION = 'http://terminology.hl7.org/CodeSystem/adjudication';
const LEDGER_NAMESPACE = 'a4c7e0b2-5d1f-4e8a-b3c6-9f2d7e1a0c55';
/** Patients scanned for each hospital's ledger: the demo's first ones (a 100k-patient run needs no more). */
const LEDGER_PATIENT_SCAN = 400;
const LEDGER_MONTHS = 15;

export interface DenialReason {
  code: string;
  display: string;
}

/** Claim-level denials, as CARC group + reason codes, with how often each happens. */
export const DENIALS: readonly (DenialReason & { weight: number })[] = [
  { code: 'CO-50', display: 'Not deemed a medical necessity by the payer', weight: 35 },
  { code: 'CO-197', display: 'Precertification/authorization/notification absent', weight: 30 },
  { code: 'CO-16', display: 'Claim lacks information or has submission/billing errors', weight: 25 },
  { code: 'CO-29', display: 'The time limit for filing has expired', weight: 10 },
];
/** A line denied on an otherwise paid claim. */
const BUNDLED: DenialReason = { code: 'CO-97', display: 'Payment is included in the allowance for another service' };

/** What a payer's contract pays: share of the billed amount allowed, the patient's copay and coinsurance. */
interface Contract {
  allowedRate: [number, number];
  coinsurance: number;
}
const MEDICARE = 'Medicare';
const SELF_PAY = 'Self-pay';
const contractOf = (payer: string): Contract => (payer === MEDICARE ? { allowedRate: [0.42, 0.55], coinsurance: 0.2 } : { allowedRate: [0.58, 0.8], coinsurance: 0.1 });

/** Services a hospital bills: CPT code, what it is, the claim type, list price in cents. */
interface Service {
  code: string;
  display: string;
  cents: number;
}
const service = (code: string, display: string, dollars: number): Service => ({ code, display, cents: dollars * 100 });
const ED_HIGH = service('99285', 'Emergency department visit, high severity', 1890);
const ED_MODERATE = service('99284', 'Emergency department visit, moderate severity', 1150);
const OFFICE = service('99213', 'Office or outpatient visit, established patient', 185);
const NEW_PATIENT = service('99204', 'Office or outpatient visit, new patient', 340);
const METABOLIC_PANEL = service('80053', 'Comprehensive metabolic panel', 95);
const BLOOD_COUNT = service('85025', 'Complete blood count with differential', 45);
const VENIPUNCTURE = service('36415', 'Collection of venous blood by venipuncture', 18);
const CHEST_XRAY = service('71046', 'Radiologic examination, chest; 2 views', 240);
const CT_ABDOMEN = service('74177', 'CT abdomen and pelvis with contrast', 1850);
const MRI_KNEE = service('73721', 'MRI of lower extremity joint without contrast', 1620);
const ECG = service('93000', 'Electrocardiogram with interpretation and report', 110);
const THERAPY = service('97110', 'Therapeutic exercises, each 15 minutes', 135);
const ADMISSION = service('99223', 'Initial hospital inpatient care, high complexity', 420);
const HOSPITAL_DAY = service('99232', 'Subsequent hospital inpatient care', 160);

/** What brings a patient to the hospital: its lines (service × quantity), claim type, hours, copay in cents. */
interface Scenario {
  weight: number;
  type: 'institutional' | 'professional';
  lines: (random: Random) => [Service, number][];
  hours: (random: Random) => number;
  copay: number;
}
const SCENARIOS: readonly Scenario[] = [
  { weight: 30, type: 'professional', lines: (r) => [[r.chance(0.2) ? NEW_PATIENT : OFFICE, 1], ...(r.chance(0.4) ? [[BLOOD_COUNT, 1], [VENIPUNCTURE, 1]] as [Service, number][] : [])], hours: () => 1, copay: 3000 },
  { weight: 18, type: 'institutional', lines: (r) => [[r.chance(0.3) ? ED_HIGH : ED_MODERATE, 1], [METABOLIC_PANEL, 1], ...(r.chance(0.6) ? [[CHEST_XRAY, 1]] as [Service, number][] : []), ...(r.chance(0.4) ? [[ECG, 1]] as [Service, number][] : [])], hours: (r) => r.int(3, 7), copay: 15000 },
  { weight: 14, type: 'institutional', lines: (r) => [[r.chance(0.5) ? CT_ABDOMEN : MRI_KNEE, 1]], hours: () => 1, copay: 7500 },
  { weight: 16, type: 'professional', lines: (r) => [[THERAPY, r.int(2, 4)]], hours: () => 1, copay: 2500 },
  { weight: 12, type: 'professional', lines: (r) => [[METABOLIC_PANEL, 1], [BLOOD_COUNT, 1], [VENIPUNCTURE, 1]], hours: () => 1, copay: 0 },
  { weight: 10, type: 'institutional', lines: (r) => [[ADMISSION, 1], [HOSPITAL_DAY, r.int(1, 4)], [METABOLIC_PANEL, 1]], hours: (r) => r.int(30, 100), copay: 25000 },
];

function weighted<T extends { weight: number }>(random: Random, items: readonly T[]): T {
  let ticket = random.float() * items.reduce((sum, item) => sum + item.weight, 0);
  for (const item of items) if ((ticket -= item.weight) < 0) return item;
  return items[items.length - 1];
}

const reference = (resource: Resource & { id: string }) => `urn:uuid:${resource.id}`;
const isoDateTime = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
/** Cents as a FHIR decimal: 12345 → 123.45 (shortest round-trip text, never float noise). */
const usd = (cents: number) => ({ value: cents / 100, currency: 'USD' as const });
const centsOf = (value: number | undefined) => Math.round((value ?? 0) * 100);

/** How the payer decides one claim. */
export type DemoOutcome = { kind: 'paid' } | { kind: 'denied'; reason: DenialReason } | { kind: 'partly-denied'; line: number };

/**
 * The payer's ExplanationOfBenefit for a claim, with FHIR adjudication categories per line:
 * submitted, eligible (allowed), benefit (the payer's), copay; denied lines allow nothing and
 * carry the reason. The payer pays what it owes with the adjudication (payment.amount).
 */
export function demoExplanationOfBenefit(
  random: Random,
  claim: Claim & { id: string },
  options: { id: string; payer: string; adjudicatedAt: number; outcome: DemoOutcome; copayCents: number },
): ExplanationOfBenefit & { id: string } {
  const contract = contractOf(options.payer);
  const rate = contract.allowedRate[0] + random.float() * (contract.allowedRate[1] - contract.allowedRate[0]);
  let copayLeft = options.copayCents;
  const category = (code: string) => ({ coding: [{ system: ADJUDICATION, code }] });
  let paid = 0;
  const items = (claim.item ?? []).map((item: ClaimItem, index) => {
    const net = centsOf(item.net?.value);
    const denial = options.outcome.kind === 'denied' ? options.outcome.reason : options.outcome.kind === 'partly-denied' && options.outcome.line === index ? BUNDLED : null;
    const allowed = denial ? 0 : Math.round(net * rate);
    const copay = Math.min(copayLeft, allowed);
    copayLeft -= copay;
    const patient = copay + Math.round((allowed - copay) * contract.coinsurance);
    paid += allowed - patient;
    return {
      sequence: item.sequence,
      productOrService: item.productOrService,
      adjudication: [
        { category: category('submitted'), amount: usd(net) },
        { category: category('eligible'), amount: usd(allowed) },
        { category: category('benefit'), amount: usd(allowed - patient) },
        { category: category('copay'), amount: usd(patient) },
        ...(denial ? [{ category: { coding: [{ system: 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudicationDiscriminator', code: 'denialreason' }] },
          reason: { coding: [{ system: CARC, code: denial.code, display: denial.display }], text: denial.display } }] : []),
      ],
    };
  });
  return {
    resourceType: 'ExplanationOfBenefit',
    id: options.id,
    status: 'active',
    type: claim.type!,
    use: 'claim',
    patient: claim.patient!,
    billablePeriod: claim.billablePeriod,
    created: isoDateTime(options.adjudicatedAt),
    insurer: { display: options.payer },
    provider: claim.provider!,
    claim: { reference: reference(claim) },
    outcome: 'complete',
    insurance: [{ focal: true, coverage: { display: options.payer } }],
    item: items,
    total: [{ category: category('submitted'), amount: claim.total! }],
    payment: { date: new Date(options.adjudicatedAt).toISOString().slice(0, 10), amount: usd(paid) },
  };
}

/** The payer a demo claim is billed to (its focal insurance). */
const payerOfClaim = (claim: Claim) => claim.insurance?.find((insurance) => insurance.focal)?.coverage?.display ?? SELF_PAY;

/**
 * The EOBs of a demo patient's claims (generator.ts): the payer adjudicated each two to six weeks
 * after it was sent, denying about one in ten; self-pay claims have none. Depends only on
 * (seed, index) and the claims: the demo's history, dated before its fixed epoch.
 */
export function demoHistoryExplanations(seed: number, index: number, claims: readonly (Claim & { id: string })[], id: (...parts: (string | number)[]) => string) {
  const random = new Random(hashSeed(seed, 'billing', index));
  return claims.flatMap((claim) => {
    const payer = payerOfClaim(claim);
    if (payer === SELF_PAY) return [];
    const outcome: DemoOutcome = random.chance(0.1) ? { kind: 'denied', reason: weighted(random, DENIALS) } : { kind: 'paid' };
    const copayCents = claim.type?.coding?.[0]?.code === 'institutional' ? 15000 : 2500;
    return [demoExplanationOfBenefit(random, claim, { id: id('ExplanationOfBenefit', claim.id), payer, adjudicatedAt: Date.parse(claim.created!) + random.int(14, 42) * DAY, outcome, copayCents })];
  });
}

export interface DemoLedgerOptions {
  seed: number;
  /** The run date: the ledger covers the 15 months before it. */
  today: Date;
}

/** A claim of a hospital's ledger, from its scenario, and the copay the scenario carries. */
function ledgerClaim(random: Random, id: string, hospital: DemoOrganization, record: DemoPatient, payers: string[], start: number): { claim: Claim & { id: string }; copayCents: number } {
  const scenario = weighted(random, SCENARIOS);
  const end = start + scenario.hours(random) * 3_600_000;
  const priceLevel = 0.92 + random.float() * 0.2;
  const items: ClaimItem[] = scenario.lines(random).map(([{ code, display, cents }, quantity], index) => {
    const unit = Math.round(cents * priceLevel);
    return {
      sequence: index + 1,
      productOrService: { coding: [{ system: CPT, code, display }], text: display },
      quantity: { value: quantity },
      unitPrice: usd(unit),
      net: usd(unit * quantity),
    };
  });
  const claim: Claim & { id: string } = {
    resourceType: 'Claim',
    id,
    status: 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: scenario.type }] },
    use: 'claim',
    patient: { reference: reference(record.patient) },
    billablePeriod: { start: isoDateTime(start), end: isoDateTime(end) },
    created: isoDateTime(end + random.int(1, 3) * DAY),
    provider: { reference: reference(hospital.resource) },
    priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
    insurance: payers.map((payer, index) => ({ sequence: index + 1, focal: index === 0, coverage: { display: payer } })),
    item: items,
    total: usd(items.reduce((sum, item) => sum + centsOf(item.net?.value), 0)),
  };
  return { claim, copayCents: scenario.copay };
}

/** Who a patient's ledger claims bill: Medicare from 65 (their plan second), else their plan, else self-pay. */
function payersOf(record: DemoPatient, today: number): string[] {
  const plan = payerOfClaim(record.claims[0] ?? {} as Claim);
  const age = (today - Date.parse(record.patient.birthDate!)) / (365.25 * DAY);
  if (age >= 65) return plan === SELF_PAY ? [MEDICARE] : [MEDICARE, plan];
  return [plan];
}

/**
 * Each demo hospital's claims ledger over the 15 months before `today`, one transaction bundle
 * per hospital (with the directory and the patients it bills, so every reference resolves;
 * `records`: the demo's first ledgerPatientCount() patients):
 * 16 to 24 claims a month of the hospital's registered patients, most adjudicated five weeks
 * after the service, a few still pending months later; about 12% denied, some partly; at least
 * three denials among last month's services.
 */
export function* generateDemoLedgerBundles(directory: DemoDirectory, records: readonly DemoPatient[], options: DemoLedgerOptions): Generator<{ source: string; bundle: Bundle }> {
  const today = Date.UTC(options.today.getUTCFullYear(), options.today.getUTCMonth(), options.today.getUTCDate());
  const month = (offset: number) => Date.UTC(options.today.getUTCFullYear(), options.today.getUTCMonth() - offset, 1);
  const id = (...parts: (string | number)[]) => uuidv5(`${options.seed}/${new Date(month(0)).toISOString().slice(0, 7)}/${parts.join('/')}`, LEDGER_NAMESPACE);
  const entry = (resource: Resource & { id: string }): BundleEntry => ({ fullUrl: reference(resource), resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } });

  for (const [h, hospital] of directory.hospitals.entries()) {
    const billed = records.filter((record) => record.organizationIds.includes(hospital.resource.id));
    const insured = billed.filter((record) => payersOf(record, today)[0] !== SELF_PAY);
    if (!insured.length) continue;
    const resources: (Resource & { id: string })[] = [];
    for (let offset = LEDGER_MONTHS - 1; offset >= 0; offset--) {
      const random = new Random(hashSeed(options.seed, 'ledger', h, offset));
      const from = month(offset);
      const until = Math.min(month(offset - 1), today - DAY);
      if (until <= from) continue;
      const count = Math.round(random.int(16, 24) * (until - from) / (month(offset - 1) - from));
      // last month's first services are adjudicated and denied: the demo always has recent denials to explain
      const forcedDenials = offset === 1 ? 3 : 0;
      for (let n = 0; n < count; n++) {
        const forced = n < forcedDenials;
        // self-pay patients come less often than a uniform pick would have them (fewer, shorter visits)
        const record = random.pick(forced || random.chance(0.7) ? insured : billed);
        const span = forced ? (until - from) / 2 : until - from;
        const start = from + Math.floor(random.float() * span / DAY) * DAY + random.int(7 * 60, 19 * 60) * 60_000;
        const payers = payersOf(record, today);
        const { claim, copayCents } = ledgerClaim(random, id('Claim', h, offset, n), hospital, record, payers, start);
        resources.push(claim);
        if (payers[0] === SELF_PAY) continue;
        // most payers answer within five weeks; some take months
        const lag = forced ? random.int(5, 10) : random.chance(0.7) ? random.int(12, 35) : random.chance(0.75) ? random.int(36, 75) : random.int(76, 200);
        const adjudicatedAt = Date.parse(claim.created!) + lag * DAY;
        if (adjudicatedAt > today && !forced) continue;
        const lines = claim.item!.length;
        const outcome: DemoOutcome = forced || random.chance(0.12) ? { kind: 'denied', reason: weighted(random, DENIALS) }
          : lines > 1 && random.chance(0.12) ? { kind: 'partly-denied', line: random.int(1, lines - 1) }
          : { kind: 'paid' };
        resources.push(demoExplanationOfBenefit(random, claim, { id: id('ExplanationOfBenefit', h, offset, n), payer: payers[0], adjudicatedAt: Math.min(adjudicatedAt, today), outcome, copayCents }));
      }
    }
    const entries = [
      ...directory.organizations.map((org) => entry(org.resource)),
      ...directory.organizations.flatMap((org) => org.practitioners.map(entry)),
      ...billed.map((record) => entry(record.patient)),
      ...resources.map(entry),
    ];
    yield { source: `demo-${options.seed}-ledger-hospital-${h + 1}`, bundle: { resourceType: 'Bundle', id: id('Bundle', h), type: 'transaction', entry: entries } };
  }
}

/** How many of the demo's first patients a ledger bills (deterministic, and cheap for any DEMO_PATIENTS). */
export const ledgerPatientCount = (patients: number) => Math.min(patients, LEDGER_PATIENT_SCAN);
