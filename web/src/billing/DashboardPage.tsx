import { useQuery } from '@apollo/client';
import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { graphql } from '../gql';
import { formatMoney, percent } from '../ui/format';
import { Empty, QueryState, Section } from '../ui/states';

const BILLING_DASHBOARD = graphql(`
  query BillingDashboard($from: LocalDate, $to: LocalDate) {
    billingReport(from: $from, to: $to) {
      aging {
        owedBy
        currency
        payer {
          name
        }
        days0To30 { ...MoneyParts }
        days31To60 { ...MoneyParts }
        days61To90 { ...MoneyParts }
        over90Days { ...MoneyParts }
        total { ...MoneyParts }
      }
      denials {
        adjudicatedClaims
        deniedClaims
        denialRate
        payer {
          name
        }
      }
      byPayer {
        currency
        claims
        payer {
          name
        }
        billed { ...MoneyParts }
        paid { ...MoneyParts }
        outstanding { ...MoneyParts }
      }
    }
  }
`);

/** Charts need numbers; tables beside them show the exact decimal strings. */
const amount = (money: { amount: string }) => Number(money.amount);
const COLORS = ['#0b63ce', '#15803d', '#c2410c', '#b91c1c'];

export function DashboardPage() {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const result = useQuery(BILLING_DASHBOARD, { variables: { from: from || undefined, to: to || undefined } });
  return (
    <div className="page">
      <h1>Billing dashboard</h1>
      <form className="row wrap card" aria-label="Service date range" onSubmit={(e) => e.preventDefault()}>
        <label>
          Service from
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          Service to
          <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
      </form>
      <QueryState {...result} data={result.data?.billingReport} what="the dashboard" retry={() => void result.refetch()}>
        {(report) => {
          const aging = report.aging.map((row) => ({
            name: row.owedBy === 'PATIENT' ? 'Patients' : (row.payer?.name ?? 'Unknown payer'),
            currency: row.currency,
            '0–30 days': amount(row.days0To30),
            '31–60 days': amount(row.days31To60),
            '61–90 days': amount(row.days61To90),
            'Over 90 days': amount(row.over90Days),
            row,
          }));
          const denials = report.denials.map((row) => ({ name: row.payer?.name ?? 'Unknown payer', rate: Math.round(row.denialRate * 1000) / 10, row }));
          const payers = report.byPayer.map((row) => ({ name: row.payer?.name ?? 'Unknown payer', Billed: amount(row.billed), Paid: amount(row.paid), Outstanding: amount(row.outstanding), row }));
          return (
            <div className="dashboard">
              <Section title="Receivables aging" id="aging">
                {aging.length ? (
                  <>
                    <ResponsiveContainer width="100%" height={260}>
                      <BarChart data={aging} margin={{ left: 16 }} accessibilityLayer>
                        <CartesianGrid stroke="#e4e7eb" />
                        <XAxis dataKey="name" interval={0} tick={{ fontSize: 12 }} />
                        <YAxis />
                        <Tooltip />
                        <Legend />
                        {['0–30 days', '31–60 days', '61–90 days', 'Over 90 days'].map((bucket, index) => (
                          <Bar key={bucket} dataKey={bucket} stackId="aging" fill={COLORS[index]} isAnimationActive={false} />
                        ))}
                      </BarChart>
                    </ResponsiveContainer>
                    <table className="table compact">
                      <thead>
                        <tr>
                          <th scope="col">Owed by</th>
                          <th scope="col" className="num">0–30</th>
                          <th scope="col" className="num">31–60</th>
                          <th scope="col" className="num">61–90</th>
                          <th scope="col" className="num">Over 90</th>
                          <th scope="col" className="num">Total</th>
                        </tr>
                      </thead>
                      <tbody>
                        {aging.map(({ name, row }) => (
                          <tr key={`${name}-${row.currency}`}>
                            <th scope="row">{name}</th>
                            <td className="num">{formatMoney(row.days0To30)}</td>
                            <td className="num">{formatMoney(row.days31To60)}</td>
                            <td className="num">{formatMoney(row.days61To90)}</td>
                            <td className="num">{formatMoney(row.over90Days)}</td>
                            <td className="num">{formatMoney(row.total)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </>
                ) : (
                  <Empty>Nothing is owed.</Empty>
                )}
              </Section>
              <Section title="Denial rate by payer" id="denials">
                {denials.length ? (
                  <>
                    <ResponsiveContainer width="100%" height={220}>
                      <BarChart data={denials} accessibilityLayer>
                        <CartesianGrid stroke="#e4e7eb" />
                        <XAxis dataKey="name" interval={0} tick={{ fontSize: 12 }} />
                        <YAxis unit="%" />
                        <Tooltip formatter={(value: number) => `${value}%`} />
                        <Bar dataKey="rate" name="Denial rate" fill="#b91c1c" isAnimationActive={false} />
                      </BarChart>
                    </ResponsiveContainer>
                    <table className="table compact">
                      <thead>
                        <tr>
                          <th scope="col">Payer</th>
                          <th scope="col" className="num">Denied</th>
                          <th scope="col" className="num">Adjudicated</th>
                          <th scope="col" className="num">Rate</th>
                        </tr>
                      </thead>
                      <tbody>
                        {denials.map(({ name, row }) => (
                          <tr key={name}>
                            <th scope="row">{name}</th>
                            <td className="num">{row.deniedClaims}</td>
                            <td className="num">{row.adjudicatedClaims}</td>
                            <td className="num">{percent(row.denialRate)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </>
                ) : (
                  <Empty>No adjudicated claims in this range.</Empty>
                )}
              </Section>
              <Section title="By payer" id="payers">
                {payers.length ? (
                  <>
                    <ResponsiveContainer width="100%" height={260}>
                      <BarChart data={payers} margin={{ left: 16 }} accessibilityLayer>
                        <CartesianGrid stroke="#e4e7eb" />
                        <XAxis dataKey="name" interval={0} tick={{ fontSize: 12 }} />
                        <YAxis />
                        <Tooltip />
                        <Legend />
                        <Bar dataKey="Billed" fill={COLORS[0]} isAnimationActive={false} />
                        <Bar dataKey="Paid" fill={COLORS[1]} isAnimationActive={false} />
                        <Bar dataKey="Outstanding" fill={COLORS[2]} isAnimationActive={false} />
                      </BarChart>
                    </ResponsiveContainer>
                    <table className="table compact">
                      <thead>
                        <tr>
                          <th scope="col">Payer</th>
                          <th scope="col" className="num">Claims</th>
                          <th scope="col" className="num">Billed</th>
                          <th scope="col" className="num">Paid</th>
                          <th scope="col" className="num">Outstanding</th>
                        </tr>
                      </thead>
                      <tbody>
                        {payers.map(({ name, row }) => (
                          <tr key={`${name}-${row.currency}`}>
                            <th scope="row">{name}</th>
                            <td className="num">{row.claims}</td>
                            <td className="num">{formatMoney(row.billed)}</td>
                            <td className="num">{formatMoney(row.paid)}</td>
                            <td className="num">{formatMoney(row.outstanding)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </>
                ) : (
                  <Empty>No claims in this range.</Empty>
                )}
              </Section>
              <p className="muted">Amounts from the claim summaries (kept as claims change); draft claims are left out.</p>
            </div>
          );
        }}
      </QueryState>
    </div>
  );
}
