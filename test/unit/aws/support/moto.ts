import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import { AwsClients, type AwsClientOptions } from '../../../../src/aws/clients';

/** A moto server (AWS emulator) on 127.0.0.1, started for one test file and ended by its PID. */
export interface Moto {
  endpoint: string;
  pid: number;
  /** A client factory pointed at this server with static test credentials. */
  clients(options?: Partial<AwsClientOptions>): AwsClients;
  stop(): Promise<void>;
}

export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

// The SDK's one-time notice about Node 22 is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

/** Fails with a clear message when moto is not installed, instead of letting the suite pass or hang. */
export function requireMoto(): void {
  const probe = spawnSync('python3', ['-c', 'import moto.server'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`moto is not installed for python3: pip install "moto[server]" (needed by the AWS tests). ${probe.error?.message ?? probe.stderr.trim().split('\n').pop() ?? ''}`);
  }
}

export async function startMoto(): Promise<Moto> {
  requireMoto();
  const port = await freePort();
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null) throw new Error(`moto server exited at start: ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto server did not listen on 127.0.0.1:${port} within 20 s: ${stderr}`);
    }
    await new Promise(r => setTimeout(r, 100));
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const made: AwsClients[] = [];
  return {
    endpoint,
    pid: child.pid!,
    clients(options = {}) {
      const c = new AwsClients({ endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, ...options });
      made.push(c);
      return c;
    },
    async stop() {
      await Promise.all(made.map(c => c.destroy()));
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
