/**
 * Findings about communication and shared state: a queue whose consumers starve (producer-bound) or
 * whose producers block on it (consumer-bound), and locks (Lock, Value, Array) processes queue up on.
 */
import type { ChannelInfo, Message, WaitSpan } from '../../model/trace';
import { intersect, totalNs, union } from '../intervals';
import { groupBy, ms, percent } from '../util';
import { type FindingContext, type FindingDraft, workOf } from './context';

/** Flag a side of a queue blocked at least this share of its processes' run time. */
const BLOCKED_SHARE = 0.3;
const LOCK_SHARE = 0.05;
const MAX_RANGES = 50;

const spanNs = (w: WaitSpan) => Math.max(0, w.endNs - w.startNs);

function sumWaits(waits: readonly WaitSpan[]): number {
  return waits.reduce((sum, w) => sum + spanNs(w), 0);
}

/**
 * What blocking cost: per blocked process, its blocked time while a core was left unused (a producer
 * blocked on a full queue costs nothing while the consumers keep every core busy), spread over the
 * cores those processes could have used.
 */
function lostNs(ctx: FindingContext, waits: readonly WaitSpan[]): number {
  let lost = 0;
  const byPid = groupBy(waits, (w) => w.pid);
  for (const list of byPid.values()) lost += totalNs(intersect(union(list), ctx.underused));
  return lost / Math.max(1, Math.min(byPid.size, ctx.scaling.cores));
}

/** Sum of the run time of these processes. */
function runTime(ctx: FindingContext, pids: Iterable<number>): number {
  let sum = 0;
  for (const pid of pids) {
    const a = ctx.activities.find((x) => x.process.pid === pid);
    if (a) sum += a.run.endNs - a.run.startNs;
  }
  return sum;
}

/** Queue depth: share of the traffic period with nothing queued, the peak, and the final depth. */
function depthStats(messages: readonly Message[]) {
  const edges: [number, number][] = [];
  for (const m of messages) {
    edges.push([m.putNs, 1]);
    if (m.recvNs !== null) edges.push([m.recvNs, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let depth = 0;
  let peak = 0;
  let emptyNs = 0;
  for (let i = 0; i < edges.length; i++) {
    depth += edges[i][1];
    peak = Math.max(peak, depth);
    if (depth === 0 && i + 1 < edges.length) emptyNs += edges[i + 1][0] - edges[i][0];
  }
  const periodNs = edges.length > 1 ? edges[edges.length - 1][0] - edges[0][0] : 0;
  return { emptyShare: periodNs > 0 ? emptyNs / periodNs : 1, peak, final: depth };
}

/** The pid with the most blocked time in these waits. */
function mostBlocked(waits: readonly WaitSpan[]): number {
  const byPid = groupBy(waits, (w) => w.pid);
  let best = waits[0].pid;
  let bestNs = -1;
  for (const [pid, list] of byPid) {
    const ns = sumWaits(list);
    if (ns > bestNs) [best, bestNs] = [pid, ns];
  }
  return best;
}

function ranges(waits: readonly WaitSpan[]) {
  return [...waits]
    .sort((a, b) => spanNs(b) - spanNs(a))
    .slice(0, MAX_RANGES)
    .map((w) => ({ startNs: w.startNs, endNs: w.endNs, pid: w.pid }));
}

function queueFindings(
  ctx: FindingContext,
  channel: ChannelInfo,
  messages: readonly Message[],
  waits: readonly WaitSpan[],
): FindingDraft[] {
  const findings: FindingDraft[] = [];
  const producers = new Set(messages.map((m) => m.sendPid));
  const gets = waits.filter((w) => w.kind === 'queue-get' || w.kind === 'pipe-recv');
  const puts = waits.filter((w) => w.kind === 'queue-put' || w.kind === 'pipe-send');
  const consumers = new Set([
    ...messages.flatMap((m) => (m.recvPid === null ? [] : [m.recvPid])),
    ...gets.map((w) => w.pid),
  ]);
  const depth = depthStats(messages);
  const depthText = `empty ${percent(depth.emptyShare)} of the time, peak ${depth.peak}, ${depth.final} left`;

  const getNs = sumWaits(gets);
  const getShare = getNs / Math.max(1, runTime(ctx, consumers));
  if (gets.length > 0 && getShare >= BLOCKED_SHARE) {
    const producer = [...producers][0] ?? null;
    findings.push({
      kind: 'producer-bound',
      title: `Queue ${channel.label} is producer-bound: its consumers wait for items`,
      costNs: lostNs(ctx, gets),
      evidence: [
        {
          label: 'consumers blocked on get',
          value: `${ms(getNs)} (${percent(getShare)} of their run time)`,
        },
        {
          label: 'processes',
          value: `${producers.size} producer(s), ${consumers.size} consumer(s)`,
        },
        { label: 'queue depth', value: depthText },
        { label: 'messages', value: String(messages.length) },
      ],
      fix:
        `Feed ${channel.label} faster: move work out of the producer (send raw inputs and let the ` +
        `consumers compute), split production over several processes, or run fewer consumers.`,
      location: (producer !== null ? workOf(ctx, producer) : null) ?? channel.createdAt,
      ranges: ranges(gets),
    });
  }

  const putNs = sumWaits(puts);
  const putShare = putNs / Math.max(1, runTime(ctx, producers));
  if (puts.length > 0 && putShare >= BLOCKED_SHARE) {
    const consumer = [...consumers][0] ?? null;
    findings.push({
      kind: 'consumer-bound',
      title: `Queue ${channel.label} is consumer-bound: its producers block on a full queue`,
      costNs: lostNs(ctx, puts),
      evidence: [
        {
          label: 'producers blocked on put',
          value: `${ms(putNs)} (${percent(putShare)} of their run time)`,
        },
        {
          label: 'processes',
          value: `${producers.size} producer(s), ${consumers.size} consumer(s)`,
        },
        { label: 'queue depth', value: depthText },
      ],
      fix:
        `Drain ${channel.label} faster: add consumers (up to the cores), make each consumer's work ` +
        `cheaper, or send bigger batches per message.`,
      location: (consumer !== null ? workOf(ctx, consumer) : null) ?? channel.createdAt,
      ranges: ranges(puts),
    });
  }
  return findings;
}

function lockFinding(
  ctx: FindingContext,
  objectId: string,
  waits: readonly WaitSpan[],
): FindingDraft | null {
  const waiters = new Set(waits.map((w) => w.pid));
  const blockedNs = sumWaits(waits);
  const share = blockedNs / Math.max(1, runTime(ctx, waiters));
  if (share < LOCK_SHARE) return null;
  const top = mostBlocked(waits);
  return {
    kind: 'lock-contention',
    title: `Lock contention on ${objectId}`,
    costNs: lostNs(ctx, waits),
    evidence: [
      { label: 'contended acquisitions', value: String(waits.length) },
      {
        label: 'time blocked',
        value: `${ms(blockedNs)} (${percent(share)} of the waiters' run time)`,
      },
      { label: 'mean wait', value: ms(blockedNs / waits.length) },
      { label: 'processes waiting', value: String(waiters.size) },
    ],
    fix:
      'Take the lock less often: accumulate into a local variable and update the shared ' +
      'Value/Array once per batch or at the end (or send results through a Queue); keep only the ' +
      'update itself inside the lock.',
    location: workOf(ctx, top),
    ranges: ranges(waits),
  };
}

export function channelFindings(ctx: FindingContext): FindingDraft[] {
  const findings: FindingDraft[] = [];
  const queueKinds = new Set(['queue', 'joinable-queue', 'simple-queue', 'pipe']);
  const queues = ctx.trace.channels.filter((c) => queueKinds.has(c.kind));
  // Only the queues' traffic is grouped: a pool's task and result messages can be millions.
  const queueIds = new Set(queues.map((c) => c.id));
  const messagesBy = groupBy(
    ctx.trace.messages.filter((m) => queueIds.has(m.channel)),
    (m) => m.channel,
  );
  const waitsBy = groupBy(
    ctx.trace.waits.filter((w) => w.objectId !== null && queueIds.has(w.objectId)),
    (w) => w.objectId as string,
  );
  for (const channel of queues) {
    const messages = messagesBy.get(channel.id) ?? [];
    findings.push(...queueFindings(ctx, channel, messages, waitsBy.get(channel.id) ?? []));
  }
  const lockWaits = ctx.trace.waits.filter((w) => w.kind === 'lock' || w.kind === 'semaphore');
  for (const [objectId, waits] of groupBy(lockWaits, (w) => w.objectId ?? 'an unnamed lock')) {
    const finding = lockFinding(ctx, objectId, waits);
    if (finding) findings.push(finding);
  }
  return findings;
}
