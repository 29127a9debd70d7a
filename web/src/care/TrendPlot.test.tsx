/**
 * @jest-environment jsdom
 */
import { fireEvent, render, screen, within } from '@testing-library/react';
import { PointTooltip, TrendPlot, type TrendLine, type TrendPoint } from './TrendPlot';

const BP: TrendLine[] = [
  { key: 'systolic', label: 'Systolic' },
  { key: 'diastolic', label: 'Diastolic' },
];

const points: TrendPoint[] = [
  { observationId: 'o1', effectiveAt: '2024-06-01T10:00:00.000Z', systolic: 161, diastolic: 91, unit: 'mm[Hg]', organization: { name: 'Harbor Pediatrics Practice' } },
  { observationId: 'o2', effectiveAt: '2023-11-09T10:00:00.000Z', systolic: 140, diastolic: 90, unit: 'mm[Hg]', organization: { name: 'Bayview Regional Hospital' } },
  { observationId: 'o3', effectiveAt: '2025-08-06T10:00:00.000Z', systolic: 150, diastolic: 94, unit: 'mm[Hg]', organization: null },
];

describe('TrendPlot', () => {
  it('draws a marker per value, each naming its source organization, with a legend of the organizations', () => {
    const { container } = render(<TrendPlot title="Blood pressure" points={points} lines={BP} width={600} />);
    const markers = [...container.querySelectorAll('.recharts-surface .trend-dot')];
    expect(markers).toHaveLength(6); // systolic and diastolic of three readings
    expect(markers.map((m) => m.getAttribute('data-organization')).sort()).toEqual(
      ['Bayview Regional Hospital', 'Bayview Regional Hospital', 'Harbor Pediatrics Practice', 'Harbor Pediatrics Practice', 'Unknown organization', 'Unknown organization'],
    );
    const legend = screen.getByRole('list', { name: 'Source organizations' });
    // oldest first: the order the points are drawn in
    expect(within(legend).getAllByRole('listitem').map((item) => item.textContent)).toEqual([
      'Bayview Regional Hospital',
      'Harbor Pediatrics Practice',
      'Unknown organization',
    ]);
    // one organization, one marker style, whichever line the point is on
    const bayview = markers.filter((m) => m.getAttribute('data-organization') === 'Bayview Regional Hospital');
    expect(new Set(bayview.map((m) => `${m.tagName}:${m.getAttribute('fill')}`)).size).toBe(1);
    expect(bayview[0].getAttribute('fill')).not.toBe(markers.find((m) => m.getAttribute('data-organization') === 'Harbor Pediatrics Practice')!.getAttribute('fill'));
  });

  it('lists every value with its date and source in a table, newest first', () => {
    render(<TrendPlot title="Blood pressure" points={points} lines={BP} width={600} />);
    const rows = within(screen.getByRole('table')).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getAllByRole('cell').map((cell) => cell.textContent))).toEqual([
      [expect.stringContaining('2025'), '150 / 94 mm[Hg]', 'Unknown organization'],
      [expect.stringContaining('2024'), '161 / 91 mm[Hg]', 'Harbor Pediatrics Practice'],
      [expect.stringContaining('2023'), '140 / 90 mm[Hg]', 'Bayview Regional Hospital'],
    ]);
  });

  it('starts a comment on the observation a row shows', () => {
    const onComment = jest.fn();
    render(<TrendPlot title="Weight" points={[{ observationId: 'w1', effectiveAt: '2024-01-02T00:00:00.000Z', value: 85.6, unit: 'kg', organization: { name: 'Riverside' } }]} lines={[{ key: 'value', label: 'Weight' }]} width={400} onComment={onComment} />);
    fireEvent.click(screen.getByRole('button', { name: /Comment on Weight of/ }));
    expect(onComment).toHaveBeenCalledWith(expect.objectContaining({ observationId: 'w1', value: 85.6 }));
  });

  it('says so when nothing was measured, naming the measurement as it is written', () => {
    const { container } = render(<TrendPlot title="HbA1c" points={[]} lines={[{ key: 'value', label: 'HbA1c' }]} width={400} />);
    expect(screen.getByText('No HbA1c recorded.')).toBeTruthy();
    expect(container.querySelector('svg')).toBeNull();
    render(<TrendPlot title="BMI" points={[]} lines={[{ key: 'value', label: 'BMI' }]} width={400} />);
    render(<TrendPlot title="Blood pressure" points={[]} lines={[{ key: 'value', label: 'Blood pressure' }]} width={400} />);
    expect(screen.getByText('No BMI recorded.')).toBeTruthy();
    expect(screen.getByText('No blood pressure recorded.')).toBeTruthy();
  });
});

describe('PointTooltip', () => {
  it('shows the date, the values with their unit and the source organization of the hovered point', () => {
    const row = { ...points[0], time: Date.parse(points[0].effectiveAt), organizationName: 'Harbor Pediatrics Practice' };
    const { container } = render(<PointTooltip active payload={[{ payload: row, value: 161, name: 'Systolic' }]} lines={BP} />);
    const lines = [...container.querySelectorAll('.trend-tooltip > div')].map((line) => line.textContent?.replace(/\s+/g, ' ').trim());
    expect(lines).toEqual([expect.stringContaining('2024'), 'Systolic: 161 mm[Hg]', 'Diastolic: 91 mm[Hg]', 'Source: Harbor Pediatrics Practice']);
  });

  it('renders nothing when not hovering', () => {
    const { container } = render(<PointTooltip active={false} payload={[]} lines={BP} />);
    expect(container.innerHTML).toBe('');
  });
});
