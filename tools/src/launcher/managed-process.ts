import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '@caregraph/platform';

export interface ReadyMessage {
  type: 'ready';
  name?: string;
  url?: string;
}

export interface RestartPolicy {
  /** Restarts in a row (without a stable period between) before giving up. */
  maxRestarts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** A child that stayed up this long gets its restart budget back. */
  stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxRestarts: 5, initialDelayMs: 500, maxDelayMs: 10_000, stableAfterMs: 60_000 };

export interface ManagedProcessOptions {
  name: string;
  /** The compiled entry point to fork (e.g. subgraphs/patients/dist/main.js). */
  modulePath: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Receives each line the child writes (stdout and stderr). */
  output: (name: string, line: string) => void;
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
  restart?: RestartPolicy;
  /** Called with the child's pid whenever it (re)starts, and undefined when it is gone for good. */
  onPid?: (pid: number | undefined) => void;
}

/**
 * One service process the launcher owns: forked with an IPC channel (the child exits when the
 * channel closes, so a killed launcher leaves no orphans), in its own process group (a terminal
 * Ctrl-C reaches only the launcher, which then stops services in order), restarted with a
 * bounded backoff when it crashes.
 */
export class ManagedProcess {
  private child?: ChildProcess;
  private stopping = false;
  private restarts = 0;
  private restartTimer?: NodeJS.Timeout;
  private readonly policy: RestartPolicy;
  /** The last lines the child wrote: shown when it fails to start. */
  private readonly recent: string[] = [];

  constructor(private readonly options: ManagedProcessOptions) {
    this.policy = options.restart ?? DEFAULT_RESTART_POLICY;
  }

  get name(): string {
    return this.options.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Forks the child and resolves with its ready message; rejects when it exits or times out first. */
  start(): Promise<ReadyMessage> {
    const { name, modulePath, env, output } = this.options;
    const child = fork(modulePath, [], {
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
      // a young generation twice V8's default (16 MB semi-spaces): a service allocates and drops
      // a request's objects in bulk, and with room for a few requests' worth fewer survive into
      // scavenges (chart requests: about 1 ms less each, BENCHMARKS.md, session 12)
      execArgv: ['--enable-source-maps', '--max-semi-space-size=32'],
    });
    this.child = child;
    this.options.onPid?.(child.pid);
    const startedAt = Date.now();
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        this.recent.push(line);
        if (this.recent.length > 20) this.recent.shift();
        output(name, line);
      });
    }

    const ready = new Promise<ReadyMessage>((resolve, reject) => {
      const timeoutMs = this.options.readyTimeoutMs ?? 120_000;
      let timedOut = false;
      const timer = setTimeout(() => {
        // rejected from onExit, once the child is really gone
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      const onMessage = (message: unknown) => {
        const typed = message as { type?: string; message?: string } | null;
        if (typed?.type === 'ready') {
          cleanup();
          resolve(typed as ReadyMessage);
        } else if (typed?.type === 'error') {
          cleanup();
          reject(new Error(`${name} failed to start: ${typed.message ?? 'unknown error'}`));
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        cleanup();
        if (timedOut) reject(new Error(`${name} did not report ready within ${Math.round(timeoutMs / 1000)} s`));
        else reject(new Error(`${name} exited during start-up (${signal ?? `code ${code}`})${this.describeRecentFailure()}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });

    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.stopping) return;
      // exits during start-up are reported by start()'s promise; after that, restart
      void ready.then(
        () => this.onCrash(code, signal, Date.now() - startedAt),
        () => undefined,
      );
    });
    return ready;
  }

  /** The fatal line a child logged before dying, if any (e.g. EADDRINUSE, a failed migration). */
  private describeRecentFailure(): string {
    for (let i = this.recent.length - 1; i >= 0; i -= 1) {
      const line = this.recent[i];
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
        if ((entry.level ?? 0) >= 50) return `: ${entry.msg ?? ''}${entry.err?.message ? ` (${entry.err.message})` : ''}`;
      } catch {
        if (line.trim()) return `: ${line.trim()}`;
      }
    }
    return '';
  }

  private onCrash(code: number | null, signal: NodeJS.Signals | null, uptimeMs: number): void {
    const { logger, name } = this.options;
    if (uptimeMs >= this.policy.stableAfterMs) this.restarts = 0;
    if (this.restarts >= this.policy.maxRestarts) {
      logger.error({ service: name, code, signal }, `${name} keeps crashing; gave up after ${this.restarts} restarts (the other services keep running)`);
      this.options.onPid?.(undefined);
      return;
    }
    const delayMs = Math.min(this.policy.initialDelayMs * 2 ** this.restarts, this.policy.maxDelayMs);
    this.restarts += 1;
    logger.error({ code, signal }, `${name} exited unexpectedly; restarting in ${delayMs} ms (attempt ${this.restarts} of ${this.policy.maxRestarts})`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.start().then(
        () => logger.info(`${name} is back`),
        (error: unknown) => {
          logger.error(`${error instanceof Error ? error.message : String(error)}`);
          if (!this.stopping && !this.child) this.onCrash(null, null, 0);
        },
      );
    }, delayMs);
  }

  /** SIGTERM, then SIGKILL if it has not exited within the stop timeout. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.options.onPid?.(undefined);
      return;
    }
    // 'close' (not 'exit'): its last log lines have been read and shown too
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.kill('SIGTERM');
    const timeoutMs = this.options.stopTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.options.logger.warn(`${this.options.name} did not stop within ${timeoutMs} ms; killing it`);
      child.kill('SIGKILL');
      await exited;
    }
    this.options.onPid?.(undefined);
  }
}
