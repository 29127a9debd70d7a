import { createLogger, openDatabase, type Logger } from '@caregraph/platform';
import { identityDatabase, seedDemoAccounts, type DemoSeedResult } from '@caregraph/identity';
import { patientsSubgraph, seedDemoConsent } from '@caregraph/patients';
import { Client } from 'pg';

interface HumanName {
  use?: string;
  given?: string[];
  family?: string;
}

/** "Ana Müller": the official (else first) name's given names and family name, without prefixes such as "Dr.". */
function personalName(names: HumanName[]): string {
  const name = names.find((candidate) => candidate.use === 'official') ?? names[0];
  return name ? [...(name.given ?? []), name.family ?? ''].join(' ').trim() : '';
}

/**
 * Demo sign-ins for every role at the first two demo hospitals, two patient accounts (patients
 * registered at the first hospital) and a partner app, and the consent story: patient 1 shares
 * their record with the second hospital, patient 2 does not. Idempotent: runs on every
 * `npm start` with demo data, so a database seeded before accounts existed gets them too.
 */
export async function seedDemoAccountsIfMissing(options: { databaseUrl: string; logger?: Logger }): Promise<DemoSeedResult | undefined> {
  const logger = options.logger ?? createLogger('demo');
  const sql = new Client({ connectionString: options.databaseUrl });
  await sql.connect();
  let hospitals: { id: string; type: string; name: string }[];
  let patientIds: string[];
  let practitioners: Record<string, { id: string; name: string }>;
  try {
    hospitals = (await sql.query(`select id, type, name from patients.organization where type = 'hospital' order by name, id limit 2`)).rows;
    if (!hospitals.length) return undefined; // no demo directory (e.g. only imported fixtures): nothing to attach staff to
    patientIds = (
      await sql.query(`select patient_id from patients.patient_registration where organization_id = $1 order by patient_id limit 2`, [hospitals[0].id])
    ).rows.map((row: { patient_id: string }) => row.patient_id);
    // a practitioner working at each hospital: its demo physician is them (so mentions reach them, and they have a name)
    practitioners = Object.fromEntries((await sql.query(
      `select distinct on (r.organization_id) r.organization_id, r.practitioner_id, p.names
         from patients.practitioner_role r join patients.practitioner p on p.id = r.practitioner_id
        where r.organization_id = any($1::uuid[]) and r.active order by r.organization_id, r.practitioner_id`, [hospitals.map((h) => h.id)],
    )).rows.map((row: { organization_id: string; practitioner_id: string; names: HumanName[] }) => [row.organization_id, { id: row.practitioner_id, name: personalName(row.names) }]));
  } finally {
    await sql.end();
  }
  const orm = await openDatabase(identityDatabase, { databaseUrl: options.databaseUrl, logger, poolMax: 2 });
  let result: DemoSeedResult;
  try {
    result = await seedDemoAccounts(orm.em.fork(), { organizations: hospitals, patientIds, practitioners });
  } finally {
    await orm.close(true);
  }
  if (patientIds[0] && hospitals[1]) {
    // each subgraph writes its own schema: the consent goes through the patients subgraph's code
    const patients = await openDatabase(patientsSubgraph.database, { databaseUrl: options.databaseUrl, logger, poolMax: 2 });
    try {
      await seedDemoConsent(patients.em.fork(), { patientId: patientIds[0], organizationId: hospitals[1].id });
    } finally {
      await patients.close(true);
    }
  }
  return result;
}
