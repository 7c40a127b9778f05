/**
 * `parallel-profiler check FILE --min-efficiency X [--max-serial-fraction Y]`: a CI gate on a recorded
 * run. Exit 0 when it meets the thresholds, 1 with a one-line reason when not, 2 on a usage error or a
 * trace that cannot be read.
 */
import { diagnose } from '../analysis/diagnose';
import { readTraceFile } from '../tracefile/tracefile';

export const CHECK_USAGE =
  'usage: parallel-profiler check FILE --min-efficiency X [--max-serial-fraction Y]   (X, Y in 0..1)';

interface CheckOptions {
  file: string;
  minEfficiency: number;
  maxSerialFraction: number | null;
}

class UsageError extends Error {}

function fraction(flag: string, value: string | undefined): number {
  const n = value === undefined || value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    throw new UsageError(`${flag} needs a number from 0 to 1, got ${value ?? 'nothing'}`);
  }
  return n;
}

function parseArgs(args: readonly string[]): CheckOptions {
  let file: string | null = null;
  let minEfficiency: number | null = null;
  let maxSerialFraction: number | null = null;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].startsWith('--') ? args[i].split(/=(.*)/s, 2) : [args[i]];
    const value = () => (inline !== undefined ? inline : args[++i]);
    if (flag === '--min-efficiency') minEfficiency = fraction(flag, value());
    else if (flag === '--max-serial-fraction') maxSerialFraction = fraction(flag, value());
    else if (flag.startsWith('-')) throw new UsageError(`unknown option ${flag}`);
    else if (file === null) file = flag;
    else throw new UsageError(`unexpected argument ${flag}`);
  }
  if (file === null) throw new UsageError('missing the trace FILE');
  if (minEfficiency === null) throw new UsageError('missing --min-efficiency');
  return { file, minEfficiency, maxSerialFraction };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export async function runCheck(args: string[]): Promise<number> {
  let options: CheckOptions;
  try {
    options = parseArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`parallel-profiler check: ${error.message}\n${CHECK_USAGE}\n`);
    return 2;
  }
  let trace;
  try {
    trace = readTraceFile(options.file);
  } catch (error) {
    process.stderr.write(`parallel-profiler check: ${(error as Error).message}\n`);
    return 2;
  }
  const { scaling, findings } = diagnose(trace);
  const top = findings.length > 0 ? `; top finding: ${findings[0].title}` : '';
  const failures: string[] = [];
  if (scaling.efficiency < options.minEfficiency) {
    failures.push(`efficiency ${pct(scaling.efficiency)} < ${pct(options.minEfficiency)}`);
  }
  if (options.maxSerialFraction !== null && scaling.serialFraction > options.maxSerialFraction) {
    failures.push(
      `serial fraction ${pct(scaling.serialFraction)} > ${pct(options.maxSerialFraction)}`,
    );
  }
  if (failures.length > 0) {
    process.stdout.write(`check failed: ${failures.join(', ')}${top}\n`);
    return 1;
  }
  process.stdout.write(
    `check passed: efficiency ${pct(scaling.efficiency)}, serial fraction ` +
      `${pct(scaling.serialFraction)} (parallelism ${scaling.parallelism.toFixed(2)} with ` +
      `${scaling.workers} workers on ${scaling.cores} cores)\n`,
  );
  return 0;
}
