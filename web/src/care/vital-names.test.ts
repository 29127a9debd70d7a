import { vitalName } from './vital-names';

describe('vitalName', () => {
  it('names the common vital signs as clinicians say them', () => {
    expect(vitalName({ code: '85354-9', display: 'Blood pressure panel with all children optional' })).toBe('Blood pressure');
    expect(vitalName({ code: '39156-5', display: 'Body mass index (BMI) [Ratio]' })).toBe('BMI');
  });

  it("keeps any other code's own display, or the code when it has none", () => {
    expect(vitalName({ code: '2339-0', display: 'Glucose [Mass/volume] in Blood' })).toBe('Glucose [Mass/volume] in Blood');
    expect(vitalName({ code: '12345-6', display: null })).toBe('12345-6');
  });
});
