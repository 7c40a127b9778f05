/**
 * Records one run: checks the interpreter, starts the collector and the core sampler, runs
 * `<python> [script | -m module] args` with the runtime injected through PYTHONPATH, and ends with
 * the final trace. The child stays in our process group so that, with inherited stdio, it can still
 * read the terminal (a background group reading the tty would be stopped by SIGTTIN); stop() instead
 * finds the whole tree through /proc.
 */
import { spawn } from 'child_process';
import type { ChildProcess } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Collector, type IngestMode } from '../collector/collector';
import { CoreSampler, DEFAULT_SAMPLE_INTERVAL_MS, coreAvailability } from '../collector/sampler';
import type { Trace } from '../model/trace';
import { checkInterpreter } from './interpreter';
import { killTree } from './processTree';

export interface RecordOptions {
  python: string;
  script?: string;
  module?: string;
  args?: string[];
  cwd?: string;
  env?: Record<string, string>;
  sampleIntervalMs?: number;
  startMethod?: 'fork' | 'spawn' | 'forkserver';
  stdio?: 'inherit' | 'pipe';
  /** Default: dist/runtime next to the bundle, else the repository's src/runtime. */
  runtimeDir?: string;
  /** `live` (default) for a view that follows the run; `deferred` to build the trace at its end. */
  ingest?: IngestMode;
}

export interface Recording {
  readonly pid: number;
  readonly child: ChildProcess;
  readonly collector: Collector;
  /** The final trace, once the script exited and its connections closed (short grace). */
  readonly done: Promise<Trace>;
  /** Ends the whole process tree (TERM, then KILL after ~2 s) and waits for `done`. */
  stop(): Promise<void>;
}

/** How long connections of descendants may outlive the main process before the trace is closed. */
const DISCONNECT_GRACE_MS = 1000;

/** The runtime shipped next to the bundle (dist/runtime), else the repository's src/runtime. */
export function findRuntimeDir(): string {
  const candidates = [path.join(__dirname, 'runtime')];
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'src', 'runtime'));
  }
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'inject')));
  if (!found) {
    throw new Error(
      `Cannot find the profiler's Python runtime (looked in ${candidates[0]} and src/runtime).`,
    );
  }
  return found;
}

function childEnv(options: RecordOptions, socketPath: string, secret: string, runtimeDir: string) {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  delete env.PARALLEL_PROFILER_ROOT_PID;
  delete env.PARALLEL_PROFILER_START_METHOD;
  const inject = path.join(runtimeDir, 'inject');
  env.PYTHONPATH = env.PYTHONPATH ? `${inject}${path.delimiter}${env.PYTHONPATH}` : inject;
  env.PARALLEL_PROFILER_SOCKET = socketPath;
  env.PARALLEL_PROFILER_SECRET = secret;
  if (options.startMethod) env.PARALLEL_PROFILER_START_METHOD = options.startMethod;
  return env;
}

export async function startRecording(options: RecordOptions): Promise<Recording> {
  if (process.platform === 'win32') {
    throw new Error('Recording is not supported on Windows yet (it needs Unix sockets and /proc).');
  }
  if (!options.script === !options.module) {
    throw new Error('Give either a script or a module to record (not both, not neither).');
  }
  const interpreter = await checkInterpreter(options.python);
  const runtimeDir = options.runtimeDir ?? findRuntimeDir();
  const cwd = options.cwd ?? process.cwd();
  const args = [
    ...(options.script ? [options.script] : ['-m', options.module!]),
    ...(options.args ?? []),
  ];

  const secret = randomBytes(16).toString('hex');
  const collector = new Collector({ secret, ingest: options.ingest });
  const socketPath = await collector.listen();
  collector.updateMeta({
    command: [options.python, ...args],
    cwd,
    script: options.script ?? null,
    module: options.module ?? null,
    python: { executable: interpreter.executable, version: interpreter.version },
    startedAtIso: new Date().toISOString(),
  });

  const intervalMs = options.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS;
  const cores = coreAvailability();
  collector.setCoreInfo({ ...cores, intervalMs });
  const sampler = cores.available
    ? new CoreSampler({
        intervalMs,
        clockBaseNs: collector.clockBaseNs,
        onSamples: (samples) => collector.addCoreSamples(samples),
      })
    : null;
  if (sampler) collector.onDidSeePid((pid) => sampler.track(pid));

  const child = spawn(options.python, args, {
    cwd,
    env: childEnv(options, socketPath, secret, runtimeDir),
    stdio: options.stdio ?? 'inherit',
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } catch (error) {
    await collector.close();
    throw new Error(`Could not start ${options.python}: ${(error as Error).message}`);
  }
  const pid = child.pid!;
  sampler?.track(pid);
  sampler?.start();

  let stopRequested = false;
  const done = (async (): Promise<Trace> => {
    const { code, signal } = await exited;
    const wallNs = collector.nowNs();
    await collector.whenIdle(DISCONNECT_GRACE_MS);
    sampler?.stop();
    collector.updateMeta({
      wallNs,
      exitCode: code,
      signal,
      endReason: stopRequested ? 'stopped' : 'exited',
    });
    // Builds a deferred backlog in slices, after the grace above has been timed.
    await collector.close();
    collector.setMainExit(pid, code ?? -(os.constants.signals[signal!] ?? 0));
    return collector.trace();
  })();

  return {
    pid,
    child,
    collector,
    done,
    async stop() {
      stopRequested = true;
      // Traced processes still connected, in case they left the tree (their parent died first);
      // read from the connections, so a deferred backlog is not built first.
      await killTree(pid, collector.connectedPids());
      await done;
    },
  };
}
