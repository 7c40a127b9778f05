/**
 * Ends a whole process tree on Linux (and other systems with /proc): every descendant of the root,
 * found by walking `/proc/<pid>/stat` parent pids, plus pids we know from elsewhere (hellos) whose
 * parent already died and who were re-parented. Each pid is remembered with its start time, so a pid
 * reused by an unrelated process after the original exited is never signalled.
 */
import * as fs from 'fs';

interface ProcStat {
  ppid: number;
  state: string;
  startTime: string;
}

function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // Fields after the command name, which may itself contain ') '.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), state: fields[0], startTime: fields[19] };
}

/** Whether `pid` is still the process first seen with `startTime` and not yet dead (zombie). */
function isAlive(pid: number, startTime: string): boolean {
  const stat = readStat(pid);
  return stat !== null && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X';
}

/** Adds every live descendant of the processes in `tree` to it (pid -> start time). */
function addDescendants(tree: Map<number, string>): void {
  const children = new Map<number, { pid: number; startTime: string }[]>();
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const stat = readStat(pid);
    if (!stat || stat.state === 'Z') continue;
    const siblings = children.get(stat.ppid) ?? [];
    siblings.push({ pid, startTime: stat.startTime });
    children.set(stat.ppid, siblings);
  }
  const queue = [...tree.keys()];
  while (queue.length > 0) {
    for (const child of children.get(queue.pop()!) ?? []) {
      if (tree.has(child.pid)) continue;
      tree.set(child.pid, child.startTime);
      queue.push(child.pid);
    }
  }
}

/** Sends `signal` to each live process of `tree` not in `skip`; forgets the ones that are gone. */
function signalAll(tree: Map<number, string>, signal: NodeJS.Signals, skip?: Set<number>): void {
  for (const [pid, startTime] of tree) {
    if (!isAlive(pid, startTime)) {
      tree.delete(pid);
      continue;
    }
    if (skip?.has(pid)) continue;
    try {
      process.kill(pid, signal);
      skip?.add(pid);
    } catch {
      tree.delete(pid);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The processes of the tree of `rootPid` (plus `otherPids`) that are alive now. */
export function liveTree(rootPid: number, otherPids: readonly number[] = []): Map<number, string> {
  const tree = new Map<number, string>();
  for (const pid of [rootPid, ...otherPids]) {
    const stat = readStat(pid);
    if (stat && stat.state !== 'Z') tree.set(pid, stat.startTime);
  }
  addDescendants(tree);
  return tree;
}

/**
 * SIGTERM to the root, its descendants and `otherPids`; SIGKILL to whatever is still alive after
 * `graceMs`. Processes forked meanwhile are caught by rescanning. Resolves once all are gone.
 */
export async function killTree(
  rootPid: number,
  otherPids: readonly number[] = [],
  graceMs = 2000,
): Promise<void> {
  const tree = liveTree(rootPid, otherPids);
  const terminated = new Set<number>();
  signalAll(tree, 'SIGTERM', terminated);
  const deadline = Date.now() + graceMs;
  while (tree.size > 0 && Date.now() < deadline) {
    await sleep(50);
    addDescendants(tree);
    signalAll(tree, 'SIGTERM', terminated);
  }
  for (let attempt = 0; tree.size > 0 && attempt < 40; attempt++) {
    addDescendants(tree);
    signalAll(tree, 'SIGKILL');
    await sleep(25);
    for (const [pid, startTime] of tree) if (!isAlive(pid, startTime)) tree.delete(pid);
  }
}
