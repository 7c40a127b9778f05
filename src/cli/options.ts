/** Command-line option parsing shared by the CLI commands: `--flag`, `--flag VALUE`, `--flag=VALUE`. */

/** A mistake in how the command was called; main prints it as one line and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface OptionSpec {
  /** Option name in the result. */
  key: string;
  /** Whether the option takes a value. */
  takesValue: boolean;
}

export interface ParsedArgs {
  options: Record<string, string | true>;
  positionals: string[];
  /** With `stopAtPositional`: the first positional and everything after it, untouched. */
  rest: string[];
}

/**
 * Parses `args` against `spec` (flag -> option). With `stopAtPositional`, parsing ends at the first
 * positional argument (or after `--`): it and the rest are returned untouched in `rest`, so options of
 * the profiled script are never taken for ours. `stopAfter` flags end parsing after their value too.
 */
export function parseArgs(
  args: readonly string[],
  spec: Record<string, OptionSpec>,
  { stopAtPositional = false, stopAfter = [] as string[] } = {},
): ParsedArgs {
  const result: ParsedArgs = { options: {}, positionals: [], rest: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      if (stopAtPositional) result.rest = args.slice(i + 1);
      else result.positionals.push(...args.slice(i + 1));
      return result;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (stopAtPositional) {
        result.rest = args.slice(i);
        return result;
      }
      result.positionals.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const option = spec[flag];
    if (!option) throw new UsageError(`unknown option '${flag}'`);
    let value: string | true = true;
    if (option.takesValue) {
      if (eq > 0) value = arg.slice(eq + 1);
      else if (i + 1 < args.length) value = args[++i];
      else throw new UsageError(`option '${flag}' needs a value`);
    } else if (eq > 0) {
      throw new UsageError(`option '${flag}' takes no value`);
    }
    result.options[option.key] = value;
    if (stopAfter.includes(flag)) {
      result.rest = args.slice(i + 1);
      return result;
    }
  }
  return result;
}

/** The value of a string option, or undefined when it was not given. */
export function stringOption(parsed: ParsedArgs, key: string): string | undefined {
  const value = parsed.options[key];
  return typeof value === 'string' ? value : undefined;
}
