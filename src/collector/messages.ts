/**
 * Matches queue/pipe sends with receives (docs/wire-protocol.md, "Matching messages"): within one
 * direction, the k-th send by start time is the k-th receive by start time. Batches from different
 * processes arrive late and out of order, so records are appended as they come and the matching is
 * redone lazily (at `settle`) from the earliest position that changed. A message object is made
 * there, whole: a changed message gets a new object, so arrays handed out earlier stay as they were.
 */
import type { Message } from '../model/trace';

/**
 * Records of one kind (message ids for sends, receive ids for receives) on one endpoint inode, with
 * their times, kept sorted by time at each settle. Parallel number arrays, not an object per record:
 * a run has millions of them, and every object kept is garbage-collector work.
 */
class RecordList {
  ids: number[] = [];
  times: number[] = [];
  private sorted = true;
  /** Earliest time appended since the last settle. */
  private earliestNew = Infinity;

  add(id: number, ts: number): void {
    const times = this.times;
    if (times.length > 0 && ts < times[times.length - 1]) this.sorted = false;
    if (ts < this.earliestNew) this.earliestNew = ts;
    this.ids.push(id);
    times.push(ts);
  }

  /** Sorts if needed and returns the first index whose record may have moved (length if none). */
  settle(): number {
    if (this.earliestNew === Infinity) return this.ids.length;
    if (!this.sorted) this.sort();
    const first = this.lowerBound(this.earliestNew);
    this.sorted = true;
    this.earliestNew = Infinity;
    return first;
  }

  /** Forces the next settle to redo everything (the direction's pairing or channel changed). */
  invalidate(): void {
    if (this.ids.length > 0) this.earliestNew = -Infinity;
  }

  /** A stable sort by time, as a stable sort of records would order them. */
  private sort(): void {
    const { ids, times } = this;
    const order = Array.from(ids.keys()).sort((a, b) => times[a] - times[b]);
    this.ids = order.map((i) => ids[i]);
    this.times = order.map((i) => times[i]);
  }

  private lowerBound(ts: number): number {
    let low = 0;
    let high = this.times.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.times[mid] < ts) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

class Endpoint {
  /** Ids of the messages sent on this inode, by their sendNs. */
  readonly sends = new RecordList();
  /** Ids of the receives on this inode, by their start time. */
  readonly recvs = new RecordList();
  /**
   * Where what is sent here is received, and what is received here was sent: the other inode of
   * a duplex pipe, else this one.
   */
  peer: Endpoint = this;
  /** The direction of what is sent here needs re-matching (it is in the matcher's dirty list). */
  dirty = false;

  constructor(readonly ino: number) {}
}

/**
 * What a message has of its send, per message id (parallel arrays, see RecordList: the message
 * object is only made when it is settled, with its receive, in one allocation).
 */
class Sends {
  /** The channel id its sender reported. */
  readonly chanId: (string | null)[] = [];
  readonly bytes: (number | null)[] = [];
  readonly pid: number[] = [];
  readonly tid: number[] = [];
  readonly putNs: number[] = [];
  readonly sendNs: number[] = [];

  /** Returns the new message's id. */
  add(
    chanId: string | null,
    bytes: number | null,
    pid: number,
    tid: number,
    putNs: number,
    sendNs: number,
  ): number {
    this.chanId.push(chanId);
    this.bytes.push(bytes);
    this.pid.push(pid);
    this.tid.push(tid);
    this.putNs.push(putNs);
    return this.sendNs.push(sendNs) - 1;
  }
}

/** What a message needs of its receive, per receive id (parallel arrays, see RecordList). */
class Receives {
  readonly pid: number[] = [];
  readonly tid: number[] = [];
  readonly getNs: number[] = [];
  readonly endNs: number[] = [];
  readonly chanId: (string | null)[] = [];

  /** Returns the new receive's id. */
  add(pid: number, tid: number, getNs: number, endNs: number, chanId: string | null): number {
    this.pid.push(pid);
    this.tid.push(tid);
    this.getNs.push(getNs);
    this.endNs.push(endNs);
    return this.chanId.push(chanId) - 1;
  }
}

/** `matched` of a message that no receive explains. */
const NO_RECEIVE = -1;

export class MessageMatcher {
  /**
   * Every settled message by id (all of them after `settle`); entries are replaced, never mutated,
   * when their matching changes.
   */
  private readonly messages: Message[] = [];
  private readonly sends = new Sends();
  private readonly receives = new Receives();
  /** Per message id: the id of the receive matched to it. */
  private readonly matched: number[] = [];
  /** Messages from this id on were not handed out by takeChanged yet. */
  private firstUndelivered = 0;
  private readonly endpoints = new Map<number, Endpoint>();
  private readonly channelByIno = new Map<number, string>();
  /** Sending endpoints whose direction needs re-matching. */
  private dirty: Endpoint[] = [];
  /** Handed-out messages whose matching changed since. */
  private rematched = new Set<number>();

  addChannel(chanId: string, inoA: number | null, inoB: number | null): void {
    for (const ino of [inoA, inoB]) {
      if (ino !== null && !this.channelByIno.has(ino)) this.channelByIno.set(ino, chanId);
    }
    const known = [inoA, inoB].map((ino) => (ino === null ? undefined : this.endpoints.get(ino)));
    if (inoA !== null && inoB !== null && inoA !== inoB) {
      const a = this.endpoint(inoA);
      const b = this.endpoint(inoB);
      a.peer = b;
      b.peer = a;
    }
    for (const endpoint of known) {
      if (!endpoint) continue;
      endpoint.sends.invalidate();
      endpoint.recvs.invalidate();
      this.markDirty(endpoint);
      this.markDirty(endpoint.peer);
    }
  }

  addSend(
    ino: number,
    chanId: string | null,
    bytes: number | null,
    sendPid: number,
    sendTid: number,
    putNs: number,
    sendNs: number,
  ): void {
    const id = this.sends.add(chanId, bytes, sendPid, sendTid, putNs, sendNs);
    this.matched.push(NO_RECEIVE);
    const endpoint = this.endpoint(ino);
    endpoint.sends.add(id, sendNs);
    this.markDirty(endpoint);
  }

  /** A receive on `ino` that began at `ts` (what orders the matching) and ended at `endNs`. */
  addRecv(
    ino: number,
    chanId: string | null,
    recvPid: number,
    recvTid: number,
    getNs: number,
    ts: number,
    endNs: number,
  ): void {
    const id = this.receives.add(recvPid, recvTid, getNs, endNs, chanId);
    const endpoint = this.endpoint(ino);
    endpoint.recvs.add(id, ts);
    this.markDirty(endpoint.peer);
  }

  /** Re-matches every direction that received records since the last settle. */
  settle(): void {
    const dirty = this.dirty;
    this.dirty = [];
    for (const sending of dirty) {
      sending.dirty = false;
      this.matchDirection(sending);
    }
  }

  /** Messages created or re-matched since the previous call (current objects). */
  takeChanged(): Message[] {
    this.settle();
    const changed = Array.from(this.rematched, (id) => this.messages[id]);
    for (let id = this.firstUndelivered; id < this.messages.length; id++) {
      changed.push(this.messages[id]);
    }
    this.rematched = new Set();
    this.firstUndelivered = this.messages.length;
    return changed;
  }

  /** Settles and returns all messages; the objects in it will never be mutated. */
  shared(): Message[] {
    this.settle();
    return this.messages.slice();
  }

  private endpoint(ino: number): Endpoint {
    let endpoint = this.endpoints.get(ino);
    if (!endpoint) {
      endpoint = new Endpoint(ino);
      this.endpoints.set(ino, endpoint);
    }
    return endpoint;
  }

  private markDirty(sending: Endpoint): void {
    if (sending.dirty) return;
    sending.dirty = true;
    this.dirty.push(sending);
  }

  private matchDirection(sending: Endpoint): void {
    const sendIno = sending.ino;
    const receiving = sending.peer;
    const from = Math.min(sending.sends.settle(), receiving.recvs.settle());
    const sendIds = sending.sends.ids;
    const recvIds = receiving.recvs.ids;
    const { sends, receives } = this;
    const channelOfIno = this.channelByIno.get(sendIno);
    for (let i = from; i < sendIds.length; i++) {
      const id = sendIds[i];
      const recv = i < recvIds.length ? recvIds[i] : NO_RECEIVE;
      const matched = recv !== NO_RECEIVE;
      // Undefined until its first settle.
      const old = id < this.messages.length ? this.messages[id] : undefined;
      const channel =
        sends.chanId[id] ??
        channelOfIno ??
        (matched ? receives.chanId[recv] : null) ??
        old?.channel ??
        `ino:${sendIno}`;
      if (old !== undefined && this.matched[id] === recv && old.channel === channel) continue;
      this.matched[id] = recv;
      this.messages[id] = {
        id,
        channel,
        bytes: sends.bytes[id],
        sendPid: sends.pid[id],
        sendTid: sends.tid[id],
        putNs: sends.putNs[id],
        sendNs: sends.sendNs[id],
        recvPid: matched ? receives.pid[recv] : null,
        recvTid: matched ? receives.tid[recv] : null,
        getNs: matched ? receives.getNs[recv] : null,
        recvNs: matched ? receives.endNs[recv] : null,
      };
      if (id < this.firstUndelivered) this.rematched.add(id);
    }
  }
}
