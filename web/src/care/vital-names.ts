/**
 * What clinicians call the common vital-sign observations (LOINC), where the code's own display is
 * a mouthful ("Blood pressure panel with all children optional", "Body mass index (BMI) [Ratio]").
 * The chart shows these and keeps the full display as the row's tooltip; other codes show their display.
 */
const VITAL_NAMES: Record<string, string> = {
  '85354-9': 'Blood pressure',
  '55284-4': 'Blood pressure',
  '8867-4': 'Heart rate',
  '9279-1': 'Respiratory rate',
  '8310-5': 'Temperature',
  '29463-7': 'Weight',
  '8302-2': 'Height',
  '39156-5': 'BMI',
  '59408-5': 'SpO₂',
  '2708-6': 'SpO₂',
  '72514-3': 'Pain (0–10)',
  '9843-4': 'Head circumference',
  '59576-9': 'BMI percentile',
  '77606-2': 'Weight-for-length percentile',
  '8289-1': 'Head circumference percentile',
};

export function vitalName(code: { code: string; display?: string | null }): string {
  return VITAL_NAMES[code.code] ?? code.display ?? code.code;
}
