/**
 * Matches queue/pipe sends with receives (docs/wire-protocol.md, "Matching messages"): within one
 * direction, the k-th send by start time is the k-th receive by start time. Batches from different
 * processes arrive late and out of order, so records are appended as they come and the matching is
 * redone lazily (at `settle`) from the earliest position that changed. A changed message that was
 * already handed out gets a new object, so arrays handed out earlier stay as they were.
 */
import type { Message } from '../model/trace';

export interface RecvRecord {
  pid: number;
  tid: number;
  ts: number;
  endNs: number;
  getNs: number;
  chanId: string | null;
}

/** Records of one kind on one endpoint inode, kept sorted by time at each settle. */
class RecordList<T> {
  items: T[] = [];
  private sorted = true;
  /** Earliest time appended since the last settle. */
  private earliestNew = Infinity;

  constructor(private readonly tsOf: (item: T) => number) {}

  add(record: T, ts: number): void {
    const items = this.items;
    if (items.length > 0 && ts < this.tsOf(items[items.length - 1])) this.sorted = false;
    if (ts < this.earliestNew) this.earliestNew = ts;
    items.push(record);
  }

  /** Sorts if needed and returns the first index whose record may have moved (length if none). */
  settle(): number {
    if (this.earliestNew === Infinity) return this.items.length;
    const tsOf = this.tsOf;
    if (!this.sorted) this.items.sort((a, b) => tsOf(a) - tsOf(b));
    const first = this.lowerBound(this.earliestNew);
    this.sorted = true;
    this.earliestNew = Infinity;
    return first;
  }

  /** Forces the next settle to redo everything (the direction's pairing or channel changed). */
  invalidate(): void {
    if (this.items.length > 0) this.earliestNew = -Infinity;
  }

  private lowerBound(ts: number): number {
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.tsOf(this.items[mid]) < ts) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

class Endpoint {
  /** Ids of the messages sent on this inode. */
  readonly sends: RecordList<number>;
  readonly recvs = new RecordList<RecvRecord>((r) => r.ts);

  constructor(messages: readonly Message[]) {
    this.sends = new RecordList<number>((id) => messages[id].sendNs);
  }
}

export class MessageMatcher {
  /** Every message by id; entries are replaced (never mutated) when their matching changes. */
  readonly messages: Message[] = [];
  /** Per message id: the receive matched to it, and the channel id its sender reported. */
  private readonly matched: (RecvRecord | null)[] = [];
  private readonly senderChannel: (string | null)[] = [];
  /** Messages from this id on were not handed out by takeChanged yet. */
  private firstUndelivered = 0;
  /** Messages from this id on are in no array handed out (by `shared` or takeChanged): mutable. */
  private firstUnshared = 0;
  private readonly endpoints = new Map<number, Endpoint>();
  /** Duplex pipes: what is sent on one inode is received on the other. */
  private readonly partner = new Map<number, number>();
  private readonly channelByIno = new Map<number, string>();
  /** Sending inodes whose direction needs re-matching. */
  private readonly dirty = new Set<number>();
  /** Handed-out messages whose matching changed since. */
  private rematched = new Set<number>();

  addChannel(chanId: string, inoA: number | null, inoB: number | null): void {
    for (const ino of [inoA, inoB]) {
      if (ino !== null && !this.channelByIno.has(ino)) this.channelByIno.set(ino, chanId);
    }
    if (inoA !== null && inoB !== null && inoA !== inoB) {
      this.partner.set(inoA, inoB);
      this.partner.set(inoB, inoA);
    }
    for (const ino of [inoA, inoB]) {
      if (ino === null) continue;
      const endpoint = this.endpoints.get(ino);
      if (!endpoint) continue;
      endpoint.sends.invalidate();
      endpoint.recvs.invalidate();
      this.dirty.add(ino);
      this.dirty.add(this.partner.get(ino) ?? ino);
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
    const message: Message = {
      id: this.messages.length,
      channel: chanId ?? this.channelByIno.get(ino) ?? `ino:${ino}`,
      bytes,
      sendPid,
      sendTid,
      putNs,
      sendNs,
      recvPid: null,
      recvTid: null,
      getNs: null,
      recvNs: null,
    };
    this.messages.push(message);
    this.matched.push(null);
    this.senderChannel.push(chanId);
    this.endpoint(ino).sends.add(message.id, sendNs);
    this.dirty.add(ino);
  }

  addRecv(ino: number, record: RecvRecord): void {
    this.endpoint(ino).recvs.add(record, record.ts);
    this.dirty.add(this.partner.get(ino) ?? ino);
  }

  /** Receives that no traced send explains (their sender was not traced). */
  unmatchedReceives(): number {
    this.settle();
    let count = 0;
    for (const [ino, endpoint] of this.endpoints) {
      const sender = this.endpoints.get(this.partner.get(ino) ?? ino);
      count += Math.max(0, endpoint.recvs.items.length - (sender?.sends.items.length ?? 0));
    }
    return count;
  }

  /** Re-matches every direction that received records since the last settle. */
  settle(): void {
    for (const sendIno of this.dirty) this.matchDirection(sendIno);
    this.dirty.clear();
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
    this.firstUnshared = this.messages.length;
    return changed;
  }

  /** Settles and returns all messages; the objects in it will never be mutated. */
  shared(): Message[] {
    this.settle();
    this.firstUnshared = this.messages.length;
    return this.messages.slice();
  }

  private endpoint(ino: number): Endpoint {
    let endpoint = this.endpoints.get(ino);
    if (!endpoint) {
      endpoint = new Endpoint(this.messages);
      this.endpoints.set(ino, endpoint);
    }
    return endpoint;
  }

  private matchDirection(sendIno: number): void {
    const sending = this.endpoint(sendIno);
    const receiving = this.endpoint(this.partner.get(sendIno) ?? sendIno);
    const from = Math.min(sending.sends.settle(), receiving.recvs.settle());
    const sends = sending.sends.items;
    const recvs = receiving.recvs.items;
    const channelOfIno = this.channelByIno.get(sendIno);
    for (let i = from; i < sends.length; i++) {
      const id = sends[i];
      const recv = i < recvs.length ? recvs[i] : null;
      const old = this.messages[id];
      const channel = this.senderChannel[id] ?? channelOfIno ?? recv?.chanId ?? old.channel;
      if (this.matched[id] === recv && old.channel === channel) continue;
      this.matched[id] = recv;
      if (id >= this.firstUnshared) {
        old.channel = channel;
        old.recvPid = recv ? recv.pid : null;
        old.recvTid = recv ? recv.tid : null;
        old.getNs = recv ? recv.getNs : null;
        old.recvNs = recv ? recv.endNs : null;
        continue;
      }
      this.messages[id] = {
        id,
        channel,
        bytes: old.bytes,
        sendPid: old.sendPid,
        sendTid: old.sendTid,
        putNs: old.putNs,
        sendNs: old.sendNs,
        recvPid: recv ? recv.pid : null,
        recvTid: recv ? recv.tid : null,
        getNs: recv ? recv.getNs : null,
        recvNs: recv ? recv.endNs : null,
      };
      if (id < this.firstUndelivered) this.rematched.add(id);
    }
  }
}
