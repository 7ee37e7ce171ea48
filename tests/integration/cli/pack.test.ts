/**
 * `npm pack` produces a package whose `parley` bin works: the tarball holds the bin and the
 * sources it runs (and no tests), and the extracted package's bin prints its usage and
 * fails with the documented exit code when no server is known. The extracted copy borrows
 * this clone's node_modules: what is tested is the package's own files, not the registry.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'parley-pack-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('packs a package whose parley bin runs', async () => {
    const { stdout } = await run('npm', ['pack', '--pack-destination', dir, '--json', '--ignore-scripts'], { maxBuffer: 16 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['bin/parley.js', 'src/cli/main.ts', 'src/bot/index.ts', 'src/webhook/index.ts', 'examples/echo-bot.ts', 'package.json']));
    expect(files.some((f) => f.startsWith('tests/'))).toBe(false);

    await run('tar', ['xzf', path.join(dir, packed!.filename), '-C', dir]);
    const pkg = path.join(dir, 'package');
    const manifest = JSON.parse(await readFile(path.join(pkg, 'package.json'), 'utf8')) as { bin: Record<string, string>; dependencies: Record<string, string> };
    expect(manifest.bin.parley).toBe('bin/parley.js');
    // What the bin needs at run time is a dependency, not a dev dependency.
    expect(Object.keys(manifest.dependencies)).toEqual(expect.arrayContaining(['tsx', 'ws', 'better-sqlite3', 'yjs']));
    await symlink(path.resolve('node_modules'), path.join(pkg, 'node_modules'), 'dir');

    const bin = path.join(pkg, manifest.bin.parley!);
    const help = await run(process.execPath, [bin, 'help'], { cwd: dir });
    expect(help.stdout).toMatch(/^Usage: parley COMMAND/);
    const env = { ...process.env, PARLEY_SERVER: '' };
    const failed = await run(process.execPath, [bin, 'whoami', '--profile', path.join(dir, 'profile')], { cwd: dir, env }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 3 });
    expect((failed as { stderr: string }).stderr).toMatch(/no server/);
  });
});
