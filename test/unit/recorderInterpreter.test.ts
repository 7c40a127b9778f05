import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  InterpreterError,
  checkInterpreter,
  defaultPythonCandidates,
} from '../../src/recorder/interpreter';

function pyenvPython(prefix: string): string | null {
  try {
    const root = execFileSync('pyenv', ['root'], { encoding: 'utf8' }).trim();
    const version = fs.readdirSync(path.join(root, 'versions')).find((v) => v.startsWith(prefix));
    return version ? path.join(root, 'versions', version, 'bin', 'python') : null;
  } catch {
    return null;
  }
}

test('python3 is accepted, with its version and executable', async () => {
  const info = await checkInterpreter('python3');
  const expected = execFileSync('python3', ['-c', 'import sys; print(sys.version.split()[0])'], {
    encoding: 'utf8',
  }).trim();
  assert.equal(info.version, expected);
  assert.equal(`${info.major}.${info.minor}`, expected.split('.').slice(0, 2).join('.'));
  assert.ok(path.isAbsolute(info.executable));
});

test('a missing interpreter: not found', async () => {
  await assert.rejects(
    checkInterpreter('/no/such/python3'),
    (error: Error) => error instanceof InterpreterError && /not found/.test(error.message),
  );
});

test('a program that is not Python', async () => {
  for (const program of ['/bin/true', '/bin/false', '/bin/echo']) {
    await assert.rejects(
      checkInterpreter(program),
      (error: Error) =>
        error instanceof InterpreterError && /not a working Python/.test(error.message),
    );
  }
});

for (const old of ['3.7', '2.7']) {
  const python = pyenvPython(old);
  test(`Python ${old} is too old`, { skip: python === null && `no Python ${old}` }, async () => {
    await assert.rejects(
      checkInterpreter(python!),
      (error: Error) =>
        error instanceof InterpreterError &&
        new RegExp(`is Python ${old.replace('.', '\\.')}\\.\\d+; .*needs Python 3\\.8`).test(
          error.message,
        ),
    );
  });
}

test('Python 3.8 is new enough', { skip: pyenvPython('3.8') === null }, async () => {
  const info = await checkInterpreter(pyenvPython('3.8')!);
  assert.deepEqual([info.major, info.minor], [3, 8]);
});

test('default candidates are looked up on PATH in order', () => {
  assert.deepEqual(defaultPythonCandidates(), ['python3', 'python']);
});
