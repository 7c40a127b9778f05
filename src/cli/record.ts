/**
 * `parallel-profiler record`: runs a Python script or module under the profiler and writes the trace.
 * The script keeps the terminal (stdin, stdout, stderr); our own messages go to stderr with a prefix,
 * and the exit code is the script's (a signal n gives 128 + n, as in a shell).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { summarizeTrace } from '../analysis/summary';
import type { Trace } from '../model/trace';
import { startRecording, type RecordOptions } from '../recorder/record';
import {
  checkInterpreter,
  defaultPythonCandidates,
  InterpreterError,
} from '../recorder/interpreter';
import { TRACE_FILE_EXTENSION, writeTraceFile } from '../tracefile/tracefile';
import { parseArgs, stringOption, UsageError } from './options';

export const RECORD_USAGE = `Usage: parallel-profiler record -o FILE [options] SCRIPT.py [ARGS...]
       parallel-profiler record -o FILE [options] -m MODULE [ARGS...]

Runs the script (or module) under the profiler and writes its trace to FILE (.pptrace).
Everything after SCRIPT.py or -m MODULE is passed to the script untouched.

Options:
  -o, --output FILE        trace file to write (required)
  --python PATH            Python interpreter (default: python3 on PATH)
  --sample-interval MS     /proc core sampling interval in milliseconds (default 10)
  --start-method METHOD    force the multiprocessing start method: fork, spawn or forkserver
  -h, --help               show this help
`;

const START_METHODS = ['fork', 'spawn', 'forkserver'] as const;

/** A problem found before the run starts: reported as one line, exit code 2. */
export class PreflightError extends Error {
  override name = 'PreflightError';
}

export function log(message: string): void {
  process.stderr.write(`parallel-profiler: ${message}\n`);
}

/**
 * The first default interpreter that works (python3, then python), as the executable it reports:
 * starting that directly skips wrappers such as pyenv shims.
 */
async function defaultPython(): Promise<string> {
  let firstError: Error | null = null;
  for (const candidate of defaultPythonCandidates()) {
    try {
      return (await checkInterpreter(candidate)).executable;
    } catch (error) {
      firstError ??= error as Error;
    }
  }
  throw new PreflightError(`no usable Python found (${firstError?.message}); use --python PATH`);
}

function parseRecordArgs(args: string[]): { options: RecordOptions; output: string } | null {
  const parsed = parseArgs(
    args,
    {
      '-o': { key: 'output', takesValue: true },
      '--output': { key: 'output', takesValue: true },
      '--python': { key: 'python', takesValue: true },
      '--sample-interval': { key: 'interval', takesValue: true },
      '--start-method': { key: 'startMethod', takesValue: true },
      '-m': { key: 'module', takesValue: true },
      '-h': { key: 'help', takesValue: false },
      '--help': { key: 'help', takesValue: false },
    },
    { stopAtPositional: true, stopAfter: ['-m'] },
  );
  if (parsed.options.help) return null;
  const output = stringOption(parsed, 'output');
  if (!output) throw new UsageError('record needs -o FILE (where to write the trace)');
  const module = stringOption(parsed, 'module');
  const script = module ? undefined : parsed.rest[0];
  const scriptArgs = module ? parsed.rest : parsed.rest.slice(1);
  if (!module && !script) throw new UsageError('record needs a script to run (or -m MODULE)');
  const interval = stringOption(parsed, 'interval');
  const sampleIntervalMs = interval === undefined ? undefined : Number(interval);
  if (sampleIntervalMs !== undefined && !(sampleIntervalMs > 0 && sampleIntervalMs <= 10_000)) {
    throw new UsageError(`--sample-interval must be a number of milliseconds, got '${interval}'`);
  }
  const startMethod = stringOption(parsed, 'startMethod');
  if (startMethod !== undefined && !(START_METHODS as readonly string[]).includes(startMethod)) {
    throw new UsageError(`--start-method must be one of ${START_METHODS.join(', ')}`);
  }
  return {
    output,
    options: {
      python: stringOption(parsed, 'python') ?? '',
      script,
      module,
      args: scriptArgs,
      sampleIntervalMs,
      startMethod: startMethod as RecordOptions['startMethod'],
      stdio: 'inherit',
      // Nobody watches a headless run: its trace is built once it ends, not on the program's cores.
      ingest: 'deferred',
    },
  };
}

function checkPaths(options: RecordOptions, output: string): void {
  if (options.script && !fs.existsSync(path.resolve(options.script))) {
    throw new PreflightError(`script not found: ${options.script}`);
  }
  const dir = path.dirname(path.resolve(output));
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new PreflightError(`cannot write the trace: directory ${dir} is missing or not writable`);
  }
  if (fs.existsSync(output) && fs.statSync(output).isDirectory()) {
    throw new PreflightError(`cannot write the trace: ${output} is a directory`);
  }
}

/** Writes the trace; if that fails after the run (disk full, directory removed), saves it elsewhere. */
function saveTrace(output: string, trace: Trace): string {
  try {
    writeTraceFile(output, trace);
    return output;
  } catch (error) {
    const fallback = path.join(
      os.tmpdir(),
      `parallel-profiler-${process.pid}${TRACE_FILE_EXTENSION}`,
    );
    log(`${(error as Error).message}; saving the trace to ${fallback} instead`);
    writeTraceFile(fallback, trace);
    return fallback;
  }
}

/** The shell's convention: the exit code, or 128 + the signal number. */
export function shellExitCode(trace: Trace): number {
  const { exitCode, signal } = trace.meta;
  if (signal) return 128 + (os.constants.signals[signal as NodeJS.Signals] ?? 0);
  if (exitCode === null) return 1;
  return exitCode < 0 ? 128 - exitCode : exitCode;
}

function oneLineSummary(file: string, trace: Trace): string {
  const s = summarizeTrace(trace);
  const messages = s.queues.reduce((n, q) => n + q.puts, 0);
  const parallelism = s.parallelism.available
    ? `average parallelism ${s.parallelism.average.toFixed(2)} on ${s.parallelism.cores} cores`
    : 'no core data';
  return (
    `wrote ${file}: ${(s.wallNs / 1e9).toFixed(2)} s, ${s.processes.length} processes, ` +
    `${s.tasks.count} tasks, ${messages} messages, ${parallelism}; ` +
    `script exit ${s.signal ?? s.exitCode ?? '?'}`
  );
}

export async function runRecord(args: string[]): Promise<number> {
  const parsed = parseRecordArgs(args);
  if (!parsed) {
    process.stdout.write(RECORD_USAGE);
    return 0;
  }
  const { options, output } = parsed;
  checkPaths(options, output);
  options.python ||= await defaultPython();
  let recording;
  try {
    recording = await startRecording(options);
  } catch (error) {
    if (error instanceof InterpreterError) throw new PreflightError(error.message);
    throw error;
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping the run, the trace will still be written`);
    recording.stop().catch((error: Error) => log(`stopping failed: ${error.message}`));
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, stop);
  try {
    const trace = await recording.done;
    const written = saveTrace(output, trace);
    for (const warning of trace.meta.warnings) log(`warning: ${warning}`);
    log(oneLineSummary(written, trace));
    return shellExitCode(trace);
  } finally {
    for (const signal of signals) process.off(signal, stop);
  }
}
