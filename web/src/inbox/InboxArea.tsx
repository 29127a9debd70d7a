import { Route, Routes } from 'react-router-dom';
import { InboxPage } from './InboxPage';
import { NewThreadPage } from './NewThreadPage';
import { ThreadPage } from './ThreadPage';
import './inbox.css';

/** Provider messages and notifications for physicians and nurses (its own chunk, like every area). */
export default function InboxArea() {
  return (
    <Routes>
      <Route index element={<InboxPage />} />
      <Route path="new" element={<NewThreadPage />} />
      <Route path="threads/:threadId" element={<ThreadPage />} />
    </Routes>
  );
}
