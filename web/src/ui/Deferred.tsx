import { Component, Suspense, type ErrorInfo, type ReactNode } from 'react';
import { Loading } from './states';

/** A script chunk that did not arrive: the network dropped, or caregraph was updated since the page was opened. */
function isChunkLoadError(error: Error): boolean {
  return /dynamically imported module|module script|Importing a module script failed|Loading chunk|error loading dynamically/i.test(error.message);
}

class Boundary extends Component<{ what: string; children: ReactNode }, { error: Error | null }> {
  state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    // for whoever opens the console; the screen says what to do
    console.error(`Could not show ${this.props.what}:`, error.message, info.componentStack ?? '');
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="state state-error" role="alert">
        <p>
          <strong>Could not show {this.props.what}. </strong>
          {isChunkLoadError(error)
            ? 'Part of caregraph did not download: the connection dropped, or caregraph was updated since this page was opened.'
            : 'Something went wrong on this page; the rest of it still works.'}
        </p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload the page
        </button>
      </div>
    );
  }
}

/**
 * A part of the page that loads its code on demand (React.lazy): "Loading {what}…" while it
 * downloads, and, should it fail to download or to render, an alert in its place with a way out
 * instead of a blank page. Only that part is replaced; the rest of the page keeps working.
 */
export function Deferred({ what, children }: { what: string; children: ReactNode }) {
  return (
    <Boundary what={what}>
      <Suspense fallback={<Loading what={what} />}>{children}</Suspense>
    </Boundary>
  );
}
