import { randomUUID } from 'node:crypto';
import { compactFhir } from '@caregraph/platform';
import type { Patient as FhirPatient } from '@medplum/fhirtypes';
import { bundleViewOf } from '../../../../test/support/bundle-view';
import { Organization, OrganizationType } from '../organization/organization.entity';
import { Patient } from '../patient/patient.entity';
import { Practitioner } from '../practitioner/practitioner.entity';
import type { PatientRegistration } from '../registration/registration.entity';
import { AdministrativeGender } from '../shared/gender';
import * as fhir from './demographics';
import { registrationMrn } from './derived';
import { organizationToFhir, patientToFhir, practitionerToFhir } from './patients-export';

const organization = (type: OrganizationType, name: string) =>
  Object.assign(new Organization(), { id: randomUUID(), name, searchName: fhir.searchName(name), type, updatedAt: new Date('2026-01-02T03:04:05Z') });

describe('FHIR export of demographics (read back by the import)', () => {
  it.each([
    [OrganizationType.HOSPITAL, 'Bayview Clinic'], // a hospital whose name does not say so
    [OrganizationType.PRACTICE, 'St. Mary Hospital Outpatient'], // and the other way round
    [OrganizationType.PAYER, 'Blue Cross'],
    [OrganizationType.OTHER, 'Radiology Department'],
  ])('keeps the organization type %s whatever the name says (%s)', (type, name) => {
    const exported = organizationToFhir(organization(type, name));
    expect(exported.type![0].coding).toContainEqual({ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: type === OrganizationType.PAYER ? 'pay' : type === OrganizationType.OTHER ? 'other' : 'prov' });
    expect(fhir.organizationType(exported)).toBe(type);
  });

  it("sends the patient's demographics as the import reads them, and each registration's MRN as the organization's MR identifier", () => {
    const bayview = organization(OrganizationType.HOSPITAL, 'Bayview Medical Center');
    const patient = Object.assign(new Patient(), {
      id: randomUUID(),
      names: [{ use: 'official', family: 'Ortiz', given: ['Coleman', 'J'], prefix: ['Mr.'], suffix: [], text: 'Mr. Coleman J Ortiz' }],
      birthDate: '1961-04-09',
      gender: AdministrativeGender.MALE,
      telecom: [{ system: 'phone', value: '555-0100', use: 'home' }],
      addresses: [{ use: null, line: ['1 Main St'], city: 'Boston', state: 'MA', postalCode: '02110', country: 'US' }],
      language: 'en-US',
      maritalStatus: { system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M', display: 'Married' },
      deceased: true,
      deceasedAt: new Date('2024-05-06T07:08:09.000Z'),
      active: true,
      updatedAt: new Date(),
    });
    const identifiers = [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '999-12-3456', type: 'SS' }];
    const registration = { organization: bayview, mrn: 'BAY-000123' } as unknown as PatientRegistration;
    const exported = compactFhir(patientToFhir(patient, identifiers, [registration])) as FhirPatient;
    const view = bundleViewOf([exported, organizationToFhir(bayview)]);

    expect(registrationMrn(patient.id, bayview.id, view)).toBe('BAY-000123');
    // the MRN is the registration's, not one more identifier of the patient
    expect(fhir.identifiers(exported.identifier)).toEqual(identifiers);
    expect(fhir.names(exported.name)).toEqual(patient.names);
    expect(fhir.telecom(exported.telecom)).toEqual(patient.telecom);
    expect(fhir.addresses(exported.address)).toEqual(patient.addresses);
    expect(fhir.language(exported)).toBe('en-US');
    expect(fhir.coding(exported.maritalStatus)).toEqual(patient.maritalStatus);
    expect(fhir.deceased(exported)).toEqual({ deceased: true, deceasedAt: patient.deceasedAt });
    expect(fhir.birthDate(exported.birthDate)).toBe('1961-04-09');
    // FHIR forbids empty elements: the empty suffix list is not sent
    expect(exported.name![0]).not.toHaveProperty('suffix');
  });

  it('sends a practitioner with its qualifications and their issuer as a reference', () => {
    const issuer = randomUUID();
    const practitioner = Object.assign(new Practitioner(), {
      id: randomUUID(),
      names: [{ use: 'official', family: 'Labadie', given: ['Rebecca'], prefix: ['Dr.'], suffix: [], text: 'Dr. Rebecca Labadie' }],
      identifiers: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893', type: null }],
      qualifications: [{ code: { system: 'http://terminology.hl7.org/CodeSystem/v2-0360', code: 'MD', display: 'Doctor of Medicine' }, issuerId: issuer, period: { start: '2001-06-01', end: null } }],
      gender: AdministrativeGender.FEMALE,
      updatedAt: new Date(),
    });
    const exported = compactFhir(practitionerToFhir(practitioner));
    expect(exported.qualification).toEqual([{
      code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0360', code: 'MD', display: 'Doctor of Medicine' }] },
      period: { start: '2001-06-01' },
      issuer: { reference: `Organization/${issuer}` },
    }]);
    expect(fhir.identifiers(exported.identifier)).toEqual(practitioner.identifiers);
  });
});
