/** Fake-data vocabularies. Accented names are there on purpose: they show accent-insensitive search. */

export const GIVEN_FEMALE = [
  'Zoë', 'Chloé', 'Renée', 'Noémie', 'Inês', 'Agnès', 'Ana', 'María', 'Sofía', 'Léa', 'Anaïs', 'Björk',
  'Emma', 'Olivia', 'Ava', 'Mia', 'Grace', 'Hannah', 'Lily', 'Nora', 'Ruth', 'Clara', 'Alice', 'Julia',
  'Maya', 'Leah', 'Ella', 'Ivy', 'Rosa', 'Elena', 'Priya', 'Aisha', 'Mei', 'Yuki', 'Fatima', 'Ingrid',
] as const;

export const GIVEN_MALE = [
  'José', 'André', 'João', 'Ramón', 'François', 'Jürgen', 'Rubén', 'Raphaël', 'Andrés', 'Jérôme', 'Joaquín', 'Émile',
  'James', 'Noah', 'Liam', 'Oliver', 'Lucas', 'Henry', 'Samuel', 'Daniel', 'David', 'Leo', 'Owen', 'Isaac',
  'Thomas', 'Elias', 'Felix', 'Hugo', 'Omar', 'Ravi', 'Kenji', 'Wei', 'Tariq', 'Malik', 'Anton', 'Pavel',
] as const;

export const FAMILY = [
  'Müller', 'Nuñez', 'García', 'Gómez', 'Pérez', 'Ibáñez', 'Böhm', 'Brontë', 'Åström', 'Dvořák', 'Lefèvre', 'Jiménez',
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Wilson', 'Anderson', 'Taylor', 'Thomas', 'Moore',
  'Martin', 'Jackson', 'White', 'Harris', 'Clark', 'Lewis', 'Walker', 'Hall', 'Young', 'King', 'Wright', 'Scott',
  'Nguyen', 'Kim', 'Patel', 'Chen', 'Okafor', 'Haddad', 'Kowalski', 'Novak', 'Rossi', 'Costa', 'Silva', 'Sato',
] as const;

export const STREETS = ['Maple Street', 'Oak Avenue', 'Harbor Road', 'Church Lane', 'Mill Street', 'Rue Saint-Jérôme', 'Elm Court', 'Lakeview Drive', 'Station Road', 'Pine Hill Road'] as const;

export const TOWNS = [
  { city: 'Brockton', postalCode: '02301' },
  { city: 'Quincy', postalCode: '02169' },
  { city: 'Plymouth', postalCode: '02360' },
  { city: 'Taunton', postalCode: '02780' },
  { city: 'Fall River', postalCode: '02720' },
  { city: 'New Bedford', postalCode: '02740' },
] as const;

export const HOSPITALS = ['Riverside General Hospital', 'St. Agnès Medical Center', 'Bayview Regional Hospital', 'Northfield University Hospital'] as const;
export const PRACTICES = ['Maple Street Family Practice', 'Harbor Pediatrics Practice', 'Lakeside Primary Care Clinic', 'Old Mill Internal Medicine Practice'] as const;
export const PAYERS = ['Bluewater Health Plan', 'Keystone Mutual Insurance'] as const;

/** Encounter kinds: SNOMED CT type, v3 ActCode class, typical cost. */
export interface VisitKind {
  code: string;
  display: string;
  class: string;
  minutes: number;
  cost: number;
}

export const PRACTICE_VISITS: readonly VisitKind[] = [
  { code: '185349003', display: 'Encounter for check up (procedure)', class: 'AMB', minutes: 20, cost: 136 },
  { code: '390906007', display: 'Follow-up encounter (procedure)', class: 'AMB', minutes: 15, cost: 98 },
  { code: '185345009', display: 'Encounter for symptom (procedure)', class: 'AMB', minutes: 25, cost: 142 },
  { code: '410620009', display: 'Well child visit (procedure)', class: 'AMB', minutes: 30, cost: 120 },
];

export const HOSPITAL_VISITS: readonly VisitKind[] = [
  { code: '50849002', display: 'Emergency room admission (procedure)', class: 'EMER', minutes: 180, cost: 1450 },
  { code: '183452005', display: 'Emergency hospital admission (procedure)', class: 'IMP', minutes: 2880, cost: 8200 },
  { code: '32485007', display: 'Hospital admission (procedure)', class: 'IMP', minutes: 4320, cost: 11500 },
  { code: '185347001', display: 'Encounter for problem (procedure)', class: 'AMB', minutes: 40, cost: 310 },
];
