/**
 * @jest-environment jsdom
 */
import { render, screen } from '@testing-library/react';
import { lazy, type ReactElement } from 'react';
import { Deferred } from './Deferred';

describe('Deferred', () => {
  let consoleError: jest.SpyInstance;
  beforeEach(() => {
    consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined); // React and the boundary report the error
  });
  afterEach(() => consoleError.mockRestore());

  it('says it is loading, then shows the part once its code has arrived', async () => {
    let arrive!: () => void;
    const Part = lazy(() => new Promise<{ default: () => ReactElement }>((resolve) => (arrive = () => resolve({ default: () => <p>the plots</p> }))));
    render(<Deferred what="the trend plots"><Part /></Deferred>);
    expect(screen.getByRole('status').textContent).toContain('Loading the trend plots');
    arrive();
    expect(await screen.findByText('the plots')).toBeTruthy();
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('puts an alert with a reload in place of a part whose code did not download, and keeps the rest of the page', async () => {
    const Part = lazy(() => Promise.reject(new TypeError('Failed to fetch dynamically imported module: /assets/TrendPlot-abc.js')));
    render(
      <main>
        <h1>Chart</h1>
        <Deferred what="the trend plots"><Part /></Deferred>
      </main>,
    );
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not show the trend plots.');
    expect(alert.textContent).toContain('did not download');
    expect(screen.getByRole('button', { name: 'Reload the page' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Chart' })).toBeTruthy();
  });

  it('catches a part that fails while rendering, without taking the page with it', () => {
    const Broken = (): ReactElement => {
      throw new Error('a bug');
    };
    render(
      <main>
        <h1>Chart</h1>
        <Deferred what="the encounters"><Broken /></Deferred>
      </main>,
    );
    expect(screen.getByRole('alert').textContent).toContain('Could not show the encounters. Something went wrong on this page');
    expect(screen.getByRole('heading', { name: 'Chart' })).toBeTruthy();
  });
});
