import { formatMinorUnits, toMinorUnits } from './money';

describe('money: decimal amounts to integer minor units and back', () => {
  it.each([
    [265.52, 'USD', 26552n],
    [0.07, 'USD', 7n], // 0.07 * 100 is 7.000000000000001 in floating point
    [1.1, 'USD', 110n],
    [4.35, 'USD', 435n], // 4.35 * 100 is 434.99999999999994
    [125, 'USD', 12500n],
    [-12.5, 'USD', -1250n],
    ['19.99', 'USD', 1999n],
    [1500, 'JPY', 1500n],
    [1.234, 'KWD', 1234n],
  ])('%p %s → %p', (value, currency, minor) => {
    expect(toMinorUnits(value, currency, 'total')).toBe(minor);
  });

  it.each([
    [0.1 + 0.2, 'USD', 'total.value'], // 0.30000000000000004: more than 2 decimals
    [1.005, 'USD', 'total.value'],
    [12.5, 'JPY', 'total.value'],
    [1e21, 'USD', 'total.value'],
    [Number.NaN, 'USD', 'total.value'],
    [10, 'usd', 'total.currency'],
    [10, 'XYZ', 'total.currency'], // well-formed, but no ISO 4217 currency
    [10, undefined, 'total.currency'],
  ])('refuses %p %s, naming %s', (value, currency, field) => {
    expect(() => toMinorUnits(value, currency, 'total')).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field }) }));
  });

  it.each([
    [26552n, 'USD', '265.52'],
    [12500n, 'USD', '125.00'],
    [5n, 'USD', '0.05'],
    [-5n, 'USD', '-0.05'],
    [1500n, 'JPY', '1500'],
    [1234n, 'KWD', '1.234'],
  ])('formats %p %s as %s', (minor, currency, text) => {
    expect(formatMinorUnits(minor, currency)).toBe(text);
  });
});
