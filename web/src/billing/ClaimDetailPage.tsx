import { useQuery } from '@apollo/client';
import { Link, useParams } from 'react-router-dom';
import { graphql } from '../gql';
import { formatDate, formatDateTime, formatMoney, humanize, personName } from '../ui/format';
import { Empty, QueryState, Section } from '../ui/states';

const CLAIM_DETAIL = graphql(`
  query ClaimDetail($id: ID!) {
    claim(id: $id) {
      id
      status
      outcome
      typeCode
      billablePeriodStart
      billablePeriodEnd
      submittedAt
      adjudicatedAt
      closedAt
      total { ...MoneyParts }
      allowed { ...MoneyParts }
      paid { ...MoneyParts }
      outstanding { ...MoneyParts }
      payerOutstanding { ...MoneyParts }
      patientOutstanding { ...MoneyParts }
      denialReason { code display }
      payer { name }
      coverage { memberId planName }
      patient { id names { ...NameParts } }
      diagnoses { sequence code { code display } }
      items { sequence quantity productOrService { code display } unitPrice { ...MoneyParts } net { ...MoneyParts } }
      explanationOfBenefit {
        id
        outcome
        lines {
          sequence
          submitted { ...MoneyParts }
          allowed { ...MoneyParts }
          payerAmount { ...MoneyParts }
          patientResponsibility { ...MoneyParts }
          denialReason { code display }
        }
      }
      transitions { from to at actorKind reason }
      payments { paymentId source receivedAt reference amount { ...MoneyParts } payer { name } }
    }
  }
`);

export function ClaimDetailPage() {
  const { claimId = '' } = useParams();
  const result = useQuery(CLAIM_DETAIL, { variables: { id: claimId } });
  return (
    <div className="page">
      <p>
        <Link to="/billing">← Claims</Link>
      </p>
      <QueryState {...result} data={result.data?.claim} what="the claim" retry={() => void result.refetch()}>
        {(claim) => {
          const lines = new Map((claim.explanationOfBenefit?.lines ?? []).map((line) => [line.sequence, line]));
          return (
            <>
              <h1>
                Claim of {formatDate(claim.billablePeriodStart)} — {humanize(claim.status)}
                {claim.outcome ? `, ${humanize(claim.outcome)}` : ''}
              </h1>
              <dl className="facts card">
                <dt>Patient</dt>
                <dd>{claim.patient ? personName(claim.patient.names) : 'not visible'}</dd>
                <dt>Payer</dt>
                <dd>
                  {claim.payer?.name ?? '—'}
                  {claim.coverage?.memberId ? ` (member ${claim.coverage.memberId})` : ''}
                </dd>
                <dt>Total</dt>
                <dd>{formatMoney(claim.total)}</dd>
                <dt>Allowed / paid</dt>
                <dd>
                  {formatMoney(claim.allowed)} / {formatMoney(claim.paid)}
                </dd>
                <dt>Outstanding</dt>
                <dd>
                  {formatMoney(claim.outstanding)} (payer {formatMoney(claim.payerOutstanding)}, patient {formatMoney(claim.patientOutstanding)})
                </dd>
                {claim.denialReason ? (
                  <>
                    <dt>Denial reason</dt>
                    <dd>
                      {claim.denialReason.code} {claim.denialReason.display}
                    </dd>
                  </>
                ) : null}
                <dt>Diagnoses</dt>
                <dd>{claim.diagnoses.map((d) => d.code?.display ?? d.code?.code).filter(Boolean).join('; ') || '—'}</dd>
              </dl>
              <Section title="Lines and adjudication" id="lines">
                <div className="table-scroll">
                  <table className="table">
                    <thead>
                      <tr>
                        <th scope="col">#</th>
                        <th scope="col">Service</th>
                        <th scope="col" className="num">Qty</th>
                        <th scope="col" className="num">Net</th>
                        <th scope="col" className="num">Allowed</th>
                        <th scope="col" className="num">Payer</th>
                        <th scope="col" className="num">Patient</th>
                        <th scope="col">Denial</th>
                      </tr>
                    </thead>
                    <tbody>
                      {claim.items.map((item) => {
                        const line = lines.get(item.sequence);
                        return (
                          <tr key={item.sequence}>
                            <td>{item.sequence}</td>
                            <td>{item.productOrService.display ?? item.productOrService.code}</td>
                            <td className="num">{item.quantity ?? 1}</td>
                            <td className="num">{formatMoney(item.net)}</td>
                            <td className="num">{line ? formatMoney(line.allowed) : '—'}</td>
                            <td className="num">{line ? formatMoney(line.payerAmount) : '—'}</td>
                            <td className="num">{line ? formatMoney(line.patientResponsibility) : '—'}</td>
                            <td>{line?.denialReason ? `${line.denialReason.code} ${line.denialReason.display ?? ''}` : ''}</td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
                {!claim.explanationOfBenefit ? <p className="muted">Not adjudicated yet.</p> : null}
              </Section>
              <div className="grid-2">
                <Section title="History" id="transitions">
                  {claim.transitions.length ? (
                    <ol className="list">
                      {claim.transitions.map((t, index) => (
                        <li key={index}>
                          {formatDateTime(t.at)}: {t.from ? `${humanize(t.from)} → ` : ''}
                          {humanize(t.to)} <span className="muted">by {humanize(t.actorKind)}</span>
                          {t.reason ? ` — ${t.reason}` : ''}
                        </li>
                      ))}
                    </ol>
                  ) : (
                    <Empty>No status changes yet.</Empty>
                  )}
                </Section>
                <Section title="Payments" id="payments">
                  {claim.payments.length ? (
                    <ul className="list">
                      {claim.payments.map((p) => (
                        <li key={p.paymentId}>
                          {formatDate(p.receivedAt)}: {formatMoney(p.amount)} from {p.source === 'PAYER' ? (p.payer?.name ?? 'payer') : 'the patient'}
                          {p.reference ? ` (${p.reference})` : ''}
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <Empty>No payments applied.</Empty>
                  )}
                </Section>
              </div>
            </>
          );
        }}
      </QueryState>
    </div>
  );
}
