/**
 * Checks that a command is a Python interpreter the runtime supports (3.8+) before anything is
 * recorded, so the user gets one clear sentence instead of a traceback or a silent empty trace.
 */
import { execFile } from 'child_process';

export interface InterpreterInfo {
  executable: string;
  version: string;
  major: number;
  minor: number;
}

export class InterpreterError extends Error {
  override name = 'InterpreterError';
}

export const MIN_PYTHON: readonly [number, number] = [3, 8];

/** Runs under Python 2 and 3 alike, so an old interpreter is recognised and named, not rejected as "not Python". */
const PROBE =
  'import sys; sys.stdout.write("parallel-profiler-probe %s %d %d %s" % ' +
  '(sys.version.split()[0], sys.version_info[0], sys.version_info[1], sys.executable))';

const PROBE_TIMEOUT_MS = 20_000;

/** Interpreters to try when none is configured, in PATH lookup order. */
export function defaultPythonCandidates(): string[] {
  return ['python3', 'python'];
}

export async function checkInterpreter(python: string): Promise<InterpreterInfo> {
  const { stdout, code } = await new Promise<{ stdout: string; code: unknown }>((resolve) => {
    execFile(python, ['-c', PROBE], { timeout: PROBE_TIMEOUT_MS, windowsHide: true }, (err, out) =>
      resolve({ stdout: String(out), code: err?.code }),
    );
  });
  if (code === 'ENOENT') {
    throw new InterpreterError(
      `Python interpreter not found: '${python}' (no such file or command).`,
    );
  }
  if (code === 'EACCES') {
    throw new InterpreterError(`Python interpreter not found: '${python}' is not executable.`);
  }
  const match = /parallel-profiler-probe (\S+) (\d+) (\d+) (.*)$/.exec(stdout);
  if (!match) {
    throw new InterpreterError(
      `'${python}' is not a working Python interpreter (it did not run a Python probe).`,
    );
  }
  const [, version, majorText, minorText, executable] = match;
  const major = Number(majorText);
  const minor = Number(minorText);
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    throw new InterpreterError(
      `'${python}' is Python ${version}; Parallel Profiler needs Python ${MIN_PYTHON.join('.')} or newer.`,
    );
  }
  return { executable: executable || python, version, major, minor };
}
