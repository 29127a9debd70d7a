import { postGraphql } from '../gateway-client';
import { runLoad, type LoadResult } from './measure';
import type { BenchPlatform } from './platform-process';

/** The patient header plus recent encounters: data from the patients and clinical subgraphs. */
const GATEWAY_QUERY = `query Bench($id: ID!) {
  patient(id: $id) {
    id
    names { given family }
    birthDate
    registrations { mrn organization { id name } }
    encounters(first: 20) { edges { node { id status periodStart } } }
  }
}`;

const DIRECT_PATIENT_QUERY = `query Bench($id: ID!) {
  patient(id: $id) { id names { given family } birthDate registrations { mrn organization { id name } } }
}`;

const DIRECT_ENCOUNTERS_QUERY = `query Bench($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Patient { encounters(first: 20) { edges { node { id status periodStart } } } }
  }
}`;

export interface GatewayVsDirectRow {
  clients: number;
  gateway: LoadResult;
  direct: LoadResult;
  p50Ratio: number;
}

/**
 * The same data through the gateway (one request; the gateway fetches patients, then clinical) and
 * straight from the subgraphs (the same two fetches, made by the client in sequence), for the same
 * signed-in physician: both paths pay for the access policy and the read audit.
 */
export async function benchGatewayVsDirect(platform: BenchPlatform, patientIds: string[], options: { durationMs: number; warmupMs: number }): Promise<GatewayVsDirectRow[]> {
  const pick = (i: number) => patientIds[i % patientIds.length];
  const viaGateway = async (i: number) => {
    const data = await postGraphql(platform.gatewayUrl, GATEWAY_QUERY, { id: pick(i) }, platform.gatewayHeaders);
    if (!data.patient?.encounters) throw new Error('incomplete answer');
  };
  const direct = async (i: number) => {
    const id = pick(i);
    // the client signs what the gateway would, so both paths pay for the assertion
    const patient = await postGraphql(platform.subgraphUrls.patients, DIRECT_PATIENT_QUERY, { id }, await platform.directHeaders('patients'));
    const encounters = await postGraphql(platform.subgraphUrls.clinical, DIRECT_ENCOUNTERS_QUERY, { representations: [{ __typename: 'Patient', id }] }, await platform.directHeaders('clinical'));
    if (!patient.patient || !encounters._entities[0]?.encounters) throw new Error('incomplete answer');
  };

  const rows: GatewayVsDirectRow[] = [];
  for (const clients of [1, 10]) {
    // alternate the order so neither path always runs on a warmer cache
    const directResult = await runLoad(direct, { clients, ...options });
    const gatewayResult = await runLoad(viaGateway, { clients, ...options });
    rows.push({ clients, gateway: gatewayResult, direct: directResult, p50Ratio: Math.round((gatewayResult.p50 / directResult.p50) * 100) / 100 });
  }
  return rows;
}
