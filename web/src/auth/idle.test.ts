/**
 * @jest-environment jsdom
 */
import { watchIdle } from './idle';

describe('watchIdle', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('warns a minute before signing out, and activity starts the wait again', () => {
    const events: string[] = [];
    const stop = watchIdle({ timeoutMs: 15 * 60_000, warnBeforeMs: 60_000, onWarn: () => events.push('warn'), onIdle: () => events.push('idle'), onActive: () => events.push('active') });
    jest.advanceTimersByTime(14 * 60_000 - 1);
    expect(events).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(events).toEqual(['warn']);
    window.dispatchEvent(new KeyboardEvent('keydown'));
    expect(events).toEqual(['warn', 'active']);
    jest.advanceTimersByTime(15 * 60_000 - 1); // the full wait again from the key press
    expect(events).toEqual(['warn', 'active', 'warn']);
    jest.advanceTimersByTime(1);
    expect(events).toEqual(['warn', 'active', 'warn', 'idle']);
    stop();
  });

  it('does nothing once stopped (signed out)', () => {
    const onIdle = jest.fn();
    const stop = watchIdle({ timeoutMs: 1000, warnBeforeMs: 100, onWarn: () => undefined, onIdle });
    stop();
    window.dispatchEvent(new MouseEvent('pointerdown'));
    jest.advanceTimersByTime(5000);
    expect(onIdle).not.toHaveBeenCalled();
  });
});
