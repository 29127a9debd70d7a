/**
 * `node tools/dist/live-demo.js [gateway origin]`: with `npm start` running, two demo physicians of
 * the two demo hospitals sign in and talk live on the chart of demo patient 1 (who shared their
 * record with the second hospital): two browser-less Socket.IO clients through the gateway, as a
 * partner's client would connect. Reads the demo accounts from the database npm start uses
 * (DATABASE_URL, else the embedded cluster).
 */
import { DEMO_PASSWORD } from '@caregraph/identity';
import { DEFAULT_PORTS, createLogger } from '@caregraph/platform';
import { Client } from 'pg';
import type { Socket } from 'socket.io-client';
import { withToolDatabase } from './import/database';
import { signIn } from './gateway-client';
import { ask, connectLive } from './live-client';

interface DemoDoctor {
  email: string;
  hospital: string;
}

/** The demo physicians of the first two hospitals, and demo patient 1. */
async function demoCast(databaseUrl: string): Promise<{ doctors: DemoDoctor[]; patientId: string | undefined }> {
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    const doctors = (await sql.query<DemoDoctor>(
      `select u.email, o.name as hospital from identity.user_account u join patients.organization o on o.id = u.organization_id
        where u.role = 'physician' and u.email like 'physician@%.demo' order by o.name, o.id limit 2`,
    )).rows;
    const patient = (await sql.query<{ patient_id: string }>(`select patient_id from identity.user_account where email = 'patient1@patients.demo'`)).rows[0];
    return { doctors, patientId: patient?.patient_id };
  } finally {
    await sql.end();
  }
}

const next = (socket: Socket, event: string): Promise<any> => new Promise((resolve) => socket.once(event, resolve));

async function main(): Promise<void> {
  const origin = (process.argv[2] ?? `http://127.0.0.1:${process.env.GATEWAY_PORT ?? DEFAULT_PORTS.gateway}`).replace(/\/+$/, '');
  const { doctors, patientId } = await withToolDatabase(createLogger('live-demo', 'warn'), demoCast);
  if (doctors.length < 2 || !patientId) throw new Error('no demo accounts found: start the platform with demo data (npm start) first');
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const [a, b] = await Promise.all(doctors.map(async (doctor) => connectLive(origin, { authorization: `Bearer ${await signIn(origin, doctor.email, DEMO_PASSWORD)}` })));
  try {
    say(`${doctors[0].email} (${doctors[0].hospital}) and ${doctors[1].email} (${doctors[1].hospital}) open the chart of patient ${patientId}`);
    await ask(a, 'chart:join', { patientId });
    const { viewers } = await ask(b, 'chart:join', { patientId });
    say(`  viewing now: ${viewers.map((v: { role: string; organizationId: string }) => `a ${v.role} of organization ${v.organizationId}`).join(' and ')}`);

    const atB = next(b, 'comment:created');
    await ask(a, 'comment:add', { patientId, body: 'Blood pressure still high at our last visit. Seen anything on your side?', clientMessageId: `demo-${Date.now()}-a` });
    const first = await atB;
    say(`  ${doctors[1].email} receives comment:created (seq ${first.seq}): "${first.comment.body}"`);

    const typing = next(a, 'typing');
    await ask(b, 'typing', { patientId, typing: true });
    say(`  ${doctors[0].email} sees ${doctors[1].email} typing: ${(await typing).typing}`);
    const atA = next(a, 'comment:created');
    await ask(b, 'comment:add', { patientId, body: 'Yes, 150/95 in our ED on Monday. I would add amlodipine.', parentId: first.comment.id, clientMessageId: `demo-${Date.now()}-b` });
    const reply = await atA;
    say(`  ${doctors[0].email} receives the reply (seq ${reply.seq}): "${reply.comment.body}"`);
    say('Both saw each other live.');
  } finally {
    a.close();
    b.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
