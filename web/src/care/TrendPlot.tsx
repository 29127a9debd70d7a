import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis, type TooltipProps } from 'recharts';
import { formatDate } from '../ui/format';
import { Empty } from '../ui/states';

/** One measurement as `Patient.observationSeries` returns it: its value(s) and where it was taken. */
export interface TrendPoint {
  observationId: string;
  effectiveAt: string;
  value?: number | null;
  systolic?: number | null;
  diastolic?: number | null;
  unit?: string | null;
  organization?: { name: string } | null;
}

export interface TrendLine {
  key: 'value' | 'systolic' | 'diastolic';
  label: string;
}

interface PlotRow extends TrendPoint {
  time: number;
  organizationName: string;
}

/** Colors for source organizations (dot fill), distinguishable and with enough contrast on white. */
const ORGANIZATION_COLORS = ['#0b63ce', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207'];
const LINE_COLORS: Record<TrendLine['key'], string> = { value: '#334e68', systolic: '#334e68', diastolic: '#829ab1' };
/** Dot shapes per organization too, so the source is not told by color alone. */
const SHAPES = ['circle', 'square', 'diamond', 'triangle'] as const;
const UNKNOWN_ORGANIZATION = 'Unknown organization';

function organizationStyle(organizations: string[], name: string) {
  const index = Math.max(0, organizations.indexOf(name));
  return { color: ORGANIZATION_COLORS[index % ORGANIZATION_COLORS.length], shape: SHAPES[index % SHAPES.length] };
}

function Marker({ cx, cy, color, shape, label }: { cx: number; cy: number; color: string; shape: (typeof SHAPES)[number]; label?: string }) {
  const common = { fill: color, stroke: '#fff', strokeWidth: 1, 'data-organization': label, className: 'trend-dot' };
  if (shape === 'square') return <rect x={cx - 4} y={cy - 4} width={8} height={8} {...common} />;
  if (shape === 'diamond') return <polygon points={`${cx},${cy - 5} ${cx + 5},${cy} ${cx},${cy + 5} ${cx - 5},${cy}`} {...common} />;
  if (shape === 'triangle') return <polygon points={`${cx},${cy - 5} ${cx + 5},${cy + 4} ${cx - 5},${cy + 4}`} {...common} />;
  return <circle cx={cx} cy={cy} r={4.5} {...common} />;
}

function formatValue(row: TrendPoint, lines: TrendLine[]): string {
  const values = lines.map((line) => row[line.key]).filter((value): value is number => value !== null && value !== undefined);
  return `${values.join(' / ')}${row.unit ? ` ${row.unit}` : ''}`;
}

/** The hover card of one point: when, what, and which organization recorded it. */
export function PointTooltip({ active, payload, lines }: TooltipProps<number, string> & { lines: TrendLine[] }) {
  const row = payload?.[0]?.payload as PlotRow | undefined;
  if (!active || !row) return null;
  return (
    <div className="trend-tooltip">
      <div className="trend-tooltip-date">{formatDate(row.effectiveAt)}</div>
      {lines.map((line) =>
        row[line.key] !== null && row[line.key] !== undefined ? (
          <div key={line.key}>
            {line.label}: <strong>{row[line.key]}</strong> {row.unit ?? ''}
          </div>
        ) : null,
      )}
      <div className="trend-tooltip-source">Source: {row.organizationName}</div>
    </div>
  );
}

/** A title as it reads mid-sentence: "Blood pressure" becomes "blood pressure"; "BMI" and "HbA1c" stay as they are. */
function inSentence(title: string): string {
  return /^[A-Z][a-z]*(\s|$)/.test(title) ? title[0].toLowerCase() + title.slice(1) : title;
}

export interface TrendPlotProps {
  title: string;
  points: readonly TrendPoint[];
  lines: TrendLine[];
  /** Fixed width in px; default: the container's width. */
  width?: number;
  height?: number;
  /** Offered per point in the values table: start a comment anchored to that observation. */
  onComment?(point: TrendPoint): void;
}

/**
 * A measurement over time across organizations (blood pressure, weight, BMI, HbA1c). Each point's
 * marker (color and shape) and tooltip name its source organization; the same values are in a table
 * below for keyboard and screen-reader users.
 */
export function TrendPlot({ title, points, lines, width, height = 220, onComment }: TrendPlotProps) {
  if (!points.length) return <Empty>No {inSentence(title)} recorded.</Empty>;
  const rows: PlotRow[] = [...points]
    .map((point) => ({ ...point, time: Date.parse(point.effectiveAt), organizationName: point.organization?.name ?? UNKNOWN_ORGANIZATION }))
    .sort((a, b) => a.time - b.time);
  const organizations = [...new Set(rows.map((row) => row.organizationName))];
  const chart = (
    <LineChart data={rows} width={width} height={height} margin={{ top: 8, right: 16, bottom: 8, left: 0 }} accessibilityLayer>
      <CartesianGrid stroke="#e4e7eb" />
      <XAxis dataKey="time" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={(time: number) => formatDate(new Date(time).toISOString())} minTickGap={24} padding={{ left: 28, right: 28 }} />
      <YAxis domain={['auto', 'auto']} width={56} tickFormatter={(value: number) => String(Math.round(value * 100) / 100)} />
      <Tooltip content={<PointTooltip lines={lines} />} />
      {lines.map((line) => (
        <Line
          key={line.key}
          dataKey={line.key}
          name={line.label}
          stroke={LINE_COLORS[line.key]}
          strokeDasharray={line.key === 'diastolic' ? '4 3' : undefined}
          isAnimationActive={false}
          connectNulls
          dot={(props: { cx?: number; cy?: number; payload?: PlotRow; index?: number }) => {
            const { cx, cy, payload } = props;
            if (cx === undefined || cy === undefined || !payload || payload[line.key] === null || payload[line.key] === undefined) return <g key={`${line.key}-${props.index}`} />;
            const style = organizationStyle(organizations, payload.organizationName);
            return <Marker key={`${line.key}-${props.index}`} cx={cx} cy={cy} color={style.color} shape={style.shape} label={payload.organizationName} />;
          }}
        />
      ))}
    </LineChart>
  );
  return (
    <figure className="trend" aria-label={title}>
      <figcaption>
        <strong>{title}</strong>
        <ul className="trend-legend" aria-label="Source organizations">
          {organizations.map((name) => {
            const style = organizationStyle(organizations, name);
            return (
              <li key={name}>
                <svg width="12" height="12" aria-hidden="true">
                  <Marker cx={6} cy={6} color={style.color} shape={style.shape} />
                </svg>
                {name}
              </li>
            );
          })}
        </ul>
      </figcaption>
      {width ? chart : <ResponsiveContainer width="100%" height={height}>{chart}</ResponsiveContainer>}
      <details className="trend-values">
        <summary>Values ({rows.length})</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">{lines.map((line) => line.label).join(' / ')}</th>
              <th scope="col">Source</th>
              {onComment ? <th scope="col"><span className="visually-hidden">Comment</span></th> : null}
            </tr>
          </thead>
          <tbody>
            {[...rows].reverse().map((row) => (
              <tr key={row.observationId}>
                <td>{formatDate(row.effectiveAt)}</td>
                <td>{formatValue(row, lines)}</td>
                <td>{row.organizationName}</td>
                {onComment ? (
                  <td>
                    <button type="button" className="link" onClick={() => onComment(row)} aria-label={`Comment on ${title} of ${formatDate(row.effectiveAt)}`}>
                      Comment
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
