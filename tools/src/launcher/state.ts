import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@caregraph/platform';

/** What a running launcher records in DATA_DIR, so the next one can clean up after a kill -9. */
interface LauncherState {
  pid: number;
  children: Record<string, { pid: number; module: string }>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive and, where /proc tells, still runs `fragment` (not a reused pid). */
function runs(pid: number, fragment: string): boolean {
  if (!isAlive(pid)) return false;
  const command = commandLine(pid);
  return command === undefined || command.includes(fragment);
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

export class LauncherStateFile {
  readonly file: string;
  private state: LauncherState = { pid: process.pid, children: {} };

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'launcher.json');
  }

  private read(): LauncherState | undefined {
    if (!existsSync(this.file)) return undefined;
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as LauncherState;
    } catch {
      return undefined;
    }
  }

  /**
   * Refuses to run next to a live launcher on the same DATA_DIR, and stops the services a killed
   * launcher left behind (they normally exit by themselves when its IPC channel closes; this
   * covers the ones still shutting down or stuck).
   */
  async takeOver(logger: Logger, timeoutMs: number): Promise<void> {
    const previous = this.read();
    if (previous && previous.pid !== process.pid && runs(previous.pid, 'start.js')) {
      throw new Error(`caregraph is already running from this data folder (launcher pid ${previous.pid}). Stop it first, or set DATA_DIR to another folder.`);
    }
    if (previous) {
      const leftovers = Object.entries(previous.children).filter(([, child]) => runs(child.pid, child.module));
      for (const [name, child] of leftovers) {
        logger.warn({ child: name, pid: child.pid }, 'stopping a service left running by a previous launcher');
        process.kill(child.pid, 'SIGTERM');
      }
      for (const [name, child] of leftovers) {
        if (!(await waitForExit(child.pid, timeoutMs))) {
          logger.warn({ child: name, pid: child.pid }, 'service did not stop in time; killing it');
          process.kill(child.pid, 'SIGKILL');
          await waitForExit(child.pid, 2000);
        }
      }
    }
    mkdirSync(path.dirname(this.file), { recursive: true });
    this.state = { pid: process.pid, children: {} };
    this.write();
  }

  recordChild(name: string, pid: number | undefined, module: string): void {
    if (pid === undefined) delete this.state.children[name];
    else this.state.children[name] = { pid, module };
    this.write();
  }

  private write(): void {
    writeFileSync(this.file, `${JSON.stringify(this.state, null, 2)}\n`);
  }

  remove(): void {
    const current = this.read();
    if (!current || current.pid === process.pid) rmSync(this.file, { force: true });
  }
}
