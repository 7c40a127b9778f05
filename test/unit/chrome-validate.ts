/**
 * A validator for Chrome Trace Event Format JSON, checking the rules Perfetto and chrome://tracing rely
 * on: required fields per phase, X slices nesting per (pid, tid), flows paired by unique ids, numeric
 * counters, process/thread metadata for every track used. Returns the problems found (empty: valid).
 */
type Json = Record<string, unknown>;

const EPSILON_US = 1e-6;
const METADATA = ['process_name', 'thread_name', 'process_sort_index', 'thread_sort_index'];

const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

function checkEvent(e: Json, at: string, problems: string[]): void {
  if (typeof e.name !== 'string') problems.push(`${at}: name missing`);
  if (!isInt(e.pid)) problems.push(`${at}: pid must be an integer`);
  switch (e.ph) {
    case 'X':
      if (!isNum(e.ts) || !isNum(e.dur) || (e.dur as number) < 0) problems.push(`${at}: X ts/dur`);
      if (!isInt(e.tid)) problems.push(`${at}: X without integer tid`);
      if ('bind_id' in e && !isInt(e.bind_id)) problems.push(`${at}: bind_id not an integer`);
      if ('bind_id' in e && Boolean(e.flow_in) === Boolean(e.flow_out)) {
        problems.push(`${at}: bind_id needs exactly one of flow_in/flow_out`);
      }
      break;
    case 'i':
    case 'I':
      if (!isNum(e.ts) || !isInt(e.tid)) problems.push(`${at}: instant ts/tid`);
      if (e.s !== undefined && !['t', 'p', 'g'].includes(e.s as string)) {
        problems.push(`${at}: instant scope ${String(e.s)}`);
      }
      break;
    case 'C': {
      const args = e.args as Json | undefined;
      if (!isNum(e.ts)) problems.push(`${at}: counter ts`);
      if (!args || Object.keys(args).length === 0) problems.push(`${at}: counter without series`);
      else if (!Object.values(args).every(isNum)) problems.push(`${at}: counter value not numeric`);
      break;
    }
    case 's':
    case 't':
    case 'f':
      if (!isNum(e.ts) || !isInt(e.tid) || e.id === undefined) problems.push(`${at}: flow fields`);
      break;
    case 'M': {
      const args = (e.args ?? {}) as Json;
      if (!METADATA.includes(e.name as string)) problems.push(`${at}: unknown metadata ${e.name}`);
      if ((e.name as string).endsWith('_name') && typeof args.name !== 'string') {
        problems.push(`${at}: ${e.name} without args.name`);
      }
      if ((e.name as string).endsWith('_sort_index') && !isInt(args.sort_index)) {
        problems.push(`${at}: ${e.name} without integer args.sort_index`);
      }
      if ((e.name as string).startsWith('thread_') && !isInt(e.tid)) {
        problems.push(`${at}: ${e.name} without tid`);
      }
      break;
    }
    default:
      problems.push(`${at}: unexpected phase ${String(e.ph)}`);
  }
}

function checkNesting(events: Json[], problems: string[]): void {
  const byTrack = new Map<string, Json[]>();
  for (const e of events) {
    if (e.ph !== 'X') continue;
    const key = `${e.pid}:${e.tid}`;
    byTrack.set(key, [...(byTrack.get(key) ?? []), e]);
  }
  for (const [key, slices] of byTrack) {
    const ts = (e: Json) => e.ts as number;
    const end = (e: Json) => (e.ts as number) + (e.dur as number);
    slices.sort((a, b) => ts(a) - ts(b) || end(b) - end(a));
    const open: Json[] = [];
    for (const slice of slices) {
      while (open.length && end(open[open.length - 1]) <= ts(slice) + EPSILON_US) open.pop();
      const parent = open[open.length - 1];
      if (parent && end(slice) > end(parent) + EPSILON_US) {
        problems.push(`track ${key}: "${slice.name}" overlaps "${parent.name}" without nesting`);
      }
      open.push(slice);
    }
  }
}

function checkFlows(events: Json[], problems: string[]): void {
  const outs = new Map<unknown, number>();
  const ins = new Map<unknown, number>();
  const count = (map: Map<unknown, number>, id: unknown) => map.set(id, (map.get(id) ?? 0) + 1);
  for (const e of events) {
    if (e.ph === 'X' && e.bind_id !== undefined) count(e.flow_out ? outs : ins, e.bind_id);
    if (e.ph === 's') count(outs, e.id);
    if (e.ph === 'f') count(ins, e.id);
  }
  for (const [id, n] of outs) {
    if (n > 1) problems.push(`flow id ${String(id)} starts ${n} times`);
    if (!ins.has(id)) problems.push(`flow id ${String(id)} has no finish`);
  }
  for (const [id, n] of ins) {
    if (n > 1) problems.push(`flow id ${String(id)} finishes ${n} times`);
    if (!outs.has(id)) problems.push(`flow id ${String(id)} has no start`);
  }
}

function checkMetadata(events: Json[], problems: string[]): void {
  const processNames = new Set<unknown>();
  const threadNames = new Set<string>();
  for (const e of events) {
    if (e.name === 'process_name') processNames.add(e.pid);
    if (e.name === 'thread_name') threadNames.add(`${e.pid}:${e.tid}`);
  }
  for (const e of events) {
    if (e.ph === 'M') continue;
    if (!processNames.has(e.pid)) problems.push(`pid ${e.pid} has no process_name`);
    if (e.tid !== undefined && !threadNames.has(`${e.pid}:${e.tid}`)) {
      problems.push(`track ${e.pid}:${e.tid} has no thread_name`);
    }
  }
}

export function validateChromeTrace(value: unknown): string[] {
  const problems: string[] = [];
  const root = value as Json;
  if (typeof root !== 'object' || root === null || !Array.isArray(root.traceEvents)) {
    return ['top level must be an object with a traceEvents array'];
  }
  if (
    root.displayTimeUnit !== undefined &&
    !['ms', 'ns'].includes(root.displayTimeUnit as string)
  ) {
    problems.push(`displayTimeUnit ${String(root.displayTimeUnit)}`);
  }
  const events = root.traceEvents as Json[];
  events.forEach((e, i) => checkEvent(e, `traceEvents[${i}]`, problems));
  checkNesting(events, problems);
  checkFlows(events, problems);
  checkMetadata(events, problems);
  return [...new Set(problems)];
}
