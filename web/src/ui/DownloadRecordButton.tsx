import { useState } from 'react';
import { useAuth } from '../auth/AuthProvider';
import { downloadWithToken } from './download';

/**
 * "Download record (FHIR)": the patient's record as the caller may see it, one FHIR R4 Bundle
 * (GET /fhir/Patient/{id}/$everything), saved as a .json file: a patient's copy of their record,
 * or a clinician's for another system.
 */
export function DownloadRecordButton({ patientId }: { patientId: string }) {
  const { session } = useAuth();
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const download = async () => {
    setState({ busy: true });
    try {
      await downloadWithToken(session, `/fhir/Patient/${encodeURIComponent(patientId)}/$everything`, `record-${patientId}-${new Date().toISOString().slice(0, 10)}.fhir.json`,
        (status, body) => (body as { issue?: { details?: { text?: string } }[] }).issue?.[0]?.details?.text ?? `The download failed (${status}).`);
      setState({ busy: false });
    } catch (failure) {
      setState({ busy: false, error: (failure as Error).message });
    }
  };
  return (
    <span className="download-record">
      <button type="button" onClick={() => void download()} disabled={state.busy} title="The record as one FHIR R4 Bundle (JSON), for another system">
        {state.busy ? 'Preparing…' : 'Download record (FHIR)'}
      </button>
      {state.error ? <span role="alert" className="field-error"> {state.error}</span> : null}
    </span>
  );
}
