/**
 * Helpers of the end-to-end recording tests: run the built CLI (`node dist/cli.js`) and plain Python,
 * find the interpreters present, read a recording's `summary --json`.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TraceSummary } from '../../src/analysis/summary';

export const REPO = path.join(__dirname, '../../..');
export const CLI = path.join(REPO, 'dist/cli.js');
export const EXAMPLES = path.join(REPO, 'examples');
export const FIXTURES = path.join(REPO, 'test/runtime/fixtures');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function pyenvRoot(): string {
  try {
    return execFileSync('pyenv', ['root'], { encoding: 'utf8' }).trim();
  } catch {
    return process.env.PYENV_ROOT ?? path.join(os.homedir(), '.pyenv');
  }
}

/** `minor` -> interpreter path for each 3.x under pyenv (newest patch release wins). */
export function pyenvPythons(): Map<number, string> {
  const root = path.join(pyenvRoot(), 'versions');
  const found = new Map<number, string>();
  const versions = fs.existsSync(root) ? fs.readdirSync(root) : [];
  for (const version of versions.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
    const match = /^3\.(\d+)\.\d+$/.exec(version);
    const python = path.join(root, version, 'bin', 'python');
    if (match && fs.existsSync(python)) found.set(Number(match[1]), python);
  }
  return found;
}

/**
 * The environment without PYTHONUNBUFFERED (set on some machines): unbuffered, print() writes a line and
 * its newline separately, so concurrent children interleave them, plain or profiled alike.
 */
const bufferedEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => name !== 'PYTHONUNBUFFERED'),
);

/** Runs a command to completion, collecting its output; `input` is written to its stdin. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? bufferedEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

export const cli = (args: string[], options: { cwd?: string; input?: string } = {}) =>
  run(process.execPath, [CLI, ...args], options);

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `pp-${prefix}-`));
}

export async function summaryJson(file: string): Promise<TraceSummary> {
  const result = await cli(['summary', '--json', file]);
  if (result.code !== 0) throw new Error(`summary failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as TraceSummary;
}

/** The lines the profiler itself wrote to stderr (the script's own stderr is everything else). */
export function profilerLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('parallel-profiler:'));
}
