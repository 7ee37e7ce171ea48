/**
 * `parley`: the command-line client (README "Command line"). Parses the arguments, runs the
 * command, and turns failures into one stderr line and a documented exit code.
 */
import { BotError } from '../bot/errors.js';
import type { Logger } from '../core/logger.js';
import { ProfileError } from '../node/profile.js';
import { parseCli, USAGE, UsageError } from './args.js';
import { runCommand } from './commands.js';
import { ExitCode, exitCodeOf } from './exit-codes.js';

const stderr = (line: string): void => void process.stderr.write(`${line}\n`);
const stdout = (line: string): void => void process.stdout.write(`${line}\n`);

/** A progress line: redrawn in place on a terminal, one line per update when piped. */
let statusShown = false;
const status = (line: string | null): void => {
  if (!process.stderr.isTTY) {
    if (line !== null) stderr(line);
    return;
  }
  if (line === null) {
    if (statusShown) process.stderr.write('\n');
    statusShown = false;
    return;
  }
  process.stderr.write(`\r\x1b[2K${line}`);
  statusShown = true;
};

const logger = (verbose: boolean): Logger => ({
  info: (message, fields) => (verbose ? stderr(`parley: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`) : undefined),
  warn: (message, fields) => stderr(`parley: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`),
  error: (message, fields) => stderr(`parley: error: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`),
});

/** Runs `parley` with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseCli(argv);
  } catch (error) {
    stderr(`parley: ${(error as Error).message}\n\n${USAGE}`);
    return ExitCode.usage;
  }
  if (args.command === 'help') {
    stdout(USAGE);
    return ExitCode.ok;
  }
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  try {
    await runCommand(args, { out: stdout, err: stderr, status, logger: logger(process.env.PARLEY_DEBUG === '1'), interrupted });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof BotError) {
      stderr(`parley: ${error.message}`);
      return exitCodeOf(error.code);
    }
    if (error instanceof ProfileError) {
      stderr(`parley: ${error.message}`);
      return error.code === 'profile-busy' ? ExitCode.profileBusy : ExitCode.setup;
    }
    if (error instanceof UsageError) {
      stderr(`parley: ${error.message}`);
      return ExitCode.usage;
    }
    stderr(`parley: error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return ExitCode.failure;
  }
}
