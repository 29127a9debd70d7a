import { lazy } from 'react';
import { Route, Routes } from 'react-router-dom';
import { loadTrendPlot } from './load-trend-plot';
import { WorklistPage } from './WorklistPage';

// the chart (sections, comment panel, live socket) is its own chunk, and its trend plots (recharts)
// another one fetched alongside it: the worklist loads neither
const ChartPage = lazy(() => {
  void loadTrendPlot();
  return import('./ChartPage').then((module) => ({ default: module.ChartPage }));
});

export default function CareArea() {
  return (
    <Routes>
      <Route index element={<WorklistPage />} />
      <Route path="patients/:patientId" element={<ChartPage />} />
    </Routes>
  );
}
