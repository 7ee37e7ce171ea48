/**
 * deploy/nginx.conf run by Debian's real nginx in front of local nodes. Only what must
 * differ outside Docker is rewritten: upstream addresses (compose service names → loopback
 * ports), listen ports (→ free ports), certificate paths (→ a fresh self-signed pair), and
 * temp/pid/log paths (→ a temporary directory). Every other directive is the file as shipped.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './server-process.js';

export function nginxBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx'], { encoding: 'utf8' }).stdout.trim().split('\n')[0] ?? '';
  if (found === '') throw new Error('nginx is not installed (apt-get install -y nginx-light); the deployment test runs deploy/nginx.conf with it');
  return found;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

export class Nginx {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    /** HTTPS port (the config's 443). */
    readonly httpsPort: number,
    /** Plain HTTP port (the config's 80). */
    readonly httpPort: number,
  ) {}

  get url(): string {
    return `https://127.0.0.1:${this.httpsPort}`;
  }

  static async start(upstreams: readonly number[]): Promise<Nginx> {
    const bin = nginxBinary();
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-nginx-'));
    const [httpsPort, httpPort] = [await freePort(), await freePort()];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', path.join(dir, 'privkey.pem'), '-out', path.join(dir, 'fullchain.pem')], { stdio: 'ignore' });
    let conf = readFileSync('deploy/nginx.conf', 'utf8');
    const replace = (from: RegExp, to: string): void => {
      if (!from.test(conf)) throw new Error(`deploy/nginx.conf no longer matches ${from}`);
      conf = conf.replace(from, to);
    };
    replace(/server parley1:8787/, `server 127.0.0.1:${upstreams[0]}`);
    replace(/server parley2:8787/, `server 127.0.0.1:${upstreams[1]}`);
    replace(/listen 443 ssl/, `listen 127.0.0.1:${httpsPort} ssl`);
    replace(/listen 80;/, `listen 127.0.0.1:${httpPort};`);
    replace(/\/etc\/nginx\/certs\//g, `${dir}/`);
    replace(
      /http \{/,
      `http {\n  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`,
    );
    const file = path.join(dir, 'nginx.conf');
    writeFileSync(file, conf);
    const globals = `pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;`;
    const check = spawnSync(bin, ['-t', '-p', dir, '-c', file, '-g', globals], { encoding: 'utf8' });
    if (check.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`nginx -t refused deploy/nginx.conf:\n${check.stderr}`);
    }
    // Own process group, so the exit hook's kill reaches the workers too.
    const child = spawn(bin, ['-p', dir, '-c', file, '-g', `${globals} daemon off;`], { stdio: 'ignore', detached: true });
    running.add(child);
    child.once('exit', () => running.delete(child));
    const nginx = new Nginx(child, dir, httpsPort, httpPort);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const up = await fetch(`http://127.0.0.1:${httpPort}/`, { redirect: 'manual' }).then(() => true, () => false);
      if (up) return nginx;
      if (child.exitCode !== null || Date.now() > deadline) {
        await nginx.stop();
        throw new Error('nginx did not start');
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** nginx's error log, for failure messages. */
  errorLog(): string {
    try {
      return readFileSync(path.join(this.dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      killGroup(this.child, 'SIGQUIT');
      const timer = setTimeout(() => killGroup(this.child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Signals nginx's master and workers (their own process group). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
