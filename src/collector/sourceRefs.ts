import type { SourceRef } from '../model/trace';

/**
 * One shared SourceRef per distinct function (validated wire fields: name, module, file, line):
 * thousands of tasks run the same few functions, so the trace holds a few objects, not one per task.
 */
export class SourceRefs {
  private readonly byKey = new Map<string, SourceRef>();
  // The previous lookup: consecutive tasks almost always ran the same function, and comparing its
  // four fields is much cheaper than building the key string.
  private lastName: unknown;
  private lastModule: unknown;
  private lastFile: unknown;
  private lastLine: unknown;
  private last: SourceRef | null = null;

  get(name: unknown, module: unknown, file: unknown, line: unknown): SourceRef {
    if (
      this.last !== null &&
      name === this.lastName &&
      module === this.lastModule &&
      file === this.lastFile &&
      line === this.lastLine
    ) {
      return this.last;
    }
    const key = `${name as string}\u0000${module as string}\u0000${file as string}\u0000${line as number}`;
    let ref = this.byKey.get(key);
    if (!ref) {
      ref = {
        name: (name as string | null) ?? '?',
        module: module as string | null,
        file: file as string | null,
        line: line as number | null,
      };
      this.byKey.set(key, ref);
    }
    this.lastName = name;
    this.lastModule = module;
    this.lastFile = file;
    this.lastLine = line;
    this.last = ref;
    return ref;
  }
}
