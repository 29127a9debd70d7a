import { Route, Routes } from 'react-router-dom';
import { ChartPage } from './ChartPage';
import { WorklistPage } from './WorklistPage';

export default function CareArea() {
  return (
    <Routes>
      <Route index element={<WorklistPage />} />
      <Route path="patients/:patientId" element={<ChartPage />} />
    </Routes>
  );
}
