// Runs the runtime's Python unittests (test/runtime/python) under every interpreter 3.8+ found
// under `$(pyenv root)/versions/*/bin/python` plus `python3`: one subtest per interpreter.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';

const repo = path.join(__dirname, '..', '..', '..');
const suiteDir = path.join(repo, 'test', 'runtime', 'python');

interface Interpreter {
  version: string;
  executable: string;
}

function pyenvRoot(): string | null {
  try {
    return execFileSync('pyenv', ['root'], { encoding: 'utf8' }).trim();
  } catch {
    const fallback = path.join(process.env.HOME ?? '/root', '.pyenv');
    return fs.existsSync(fallback) ? fallback : null;
  }
}

/** Interpreters 3.8+, one per real executable, oldest first. */
function interpreters(): Interpreter[] {
  const candidates = ['python3'];
  const root = pyenvRoot();
  if (root && fs.existsSync(path.join(root, 'versions'))) {
    for (const dir of fs.readdirSync(path.join(root, 'versions'))) {
      const python = path.join(root, 'versions', dir, 'bin', 'python');
      if (fs.existsSync(python)) candidates.push(python);
    }
  }
  const found = new Map<string, Interpreter & { key: number }>();
  for (const python of candidates) {
    let out: string;
    try {
      out = execFileSync(
        python,
        ['-c', 'import os,sys; print(*sys.version_info[:3], os.path.realpath(sys.executable))'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      ).trim();
    } catch {
      continue;
    }
    const [major, minor, micro, real] = out.split(' ');
    const key = Number(major) * 100 + Number(minor);
    if (key < 308 || found.has(real)) continue;
    found.set(real, { version: `${major}.${minor}.${micro}`, executable: python, key });
  }
  return [...found.values()].sort((a, b) => a.key - b.key);
}

function runSuite(python: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-m', 'unittest', 'discover', '-s', suiteDir, '-p', 'test_*.py'], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('runtime unittests under every Python 3.8+', { concurrency: 3 }, async (t) => {
  const found = interpreters();
  assert.ok(found.length > 0, 'no Python 3.8+ interpreter found');
  await Promise.all(
    found.map((python) =>
      t.test(`Python ${python.version} (${python.executable})`, async () => {
        const { code, output } = await runSuite(python.executable);
        assert.equal(code, 0, output);
        assert.match(output, /\nOK\b/);
      }),
    ),
  );
});
