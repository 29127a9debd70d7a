import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly variable: string,
  ) {
    super(`Port ${port} (${variable}) is already in use. Stop the program using it, or pick another port: ${variable}=<port> npm start`);
    this.name = 'PortInUseError';
  }
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(false);
      else reject(error);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Every port must be free before anything starts, so a clash is reported by name instead of
 * as a child's crash. A port held by a process that is just shutting down (a previous run's
 * service) gets `graceMs` to free up.
 */
export async function assertPortsFree(ports: { variable: string; port: number }[], host: string, graceMs = 3000): Promise<void> {
  const seen = new Map<number, string>();
  for (const { variable, port } of ports) {
    const other = seen.get(port);
    if (other) throw new Error(`${variable} and ${other} are both set to port ${port}; each service needs its own port`);
    seen.set(port, variable);
  }
  const deadline = Date.now() + graceMs;
  for (const { variable, port } of ports) {
    while (!(await canListen(port, host))) {
      if (Date.now() > deadline) throw new PortInUseError(port, variable);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * True when the data folder's postmaster.pid names a live server on this port: a cluster left
 * behind by a killed launcher, which `startEmbeddedPostgres` stops before starting again.
 */
export function isOwnStaleCluster(dataDir: string, port: number): boolean {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || Number(lines[3]) !== port) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
