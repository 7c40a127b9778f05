/**
 * Matches queue/pipe sends with receives (docs/wire-protocol.md, "Matching messages"): within one
 * direction, the k-th send by start time is the k-th receive by start time. Batches from different
 * processes arrive late and out of order, so records are appended as they come and the matching is
 * redone lazily (at `settle`) from the earliest position that changed. A changed message gets a new
 * object, so arrays handed out earlier stay as they were.
 */
import type { Message } from '../model/trace';

export interface SendRecord {
  message: Message;
  ts: number;
  chanId: string | null;
  recv: RecvRecord | null;
}

export interface RecvRecord {
  pid: number;
  tid: number;
  ts: number;
  endNs: number;
  getNs: number;
  chanId: string | null;
}

/** Records of one kind on one endpoint inode, kept sorted by `ts` at each settle. */
class RecordList<T extends { ts: number }> {
  items: T[] = [];
  private sorted = true;
  /** Earliest `ts` appended since the last settle. */
  private earliestNew = Infinity;

  add(record: T): void {
    const items = this.items;
    if (items.length > 0 && record.ts < items[items.length - 1].ts) this.sorted = false;
    if (record.ts < this.earliestNew) this.earliestNew = record.ts;
    items.push(record);
  }

  /** Sorts if needed and returns the first index whose record may have moved (length if none). */
  settle(): number {
    if (this.earliestNew === Infinity) return this.items.length;
    if (!this.sorted) this.items.sort((a, b) => a.ts - b.ts);
    const first = lowerBound(this.items, this.earliestNew);
    this.sorted = true;
    this.earliestNew = Infinity;
    return first;
  }

  /** Forces the next settle to redo everything (the direction's pairing or channel changed). */
  invalidate(): void {
    if (this.items.length > 0) this.earliestNew = -Infinity;
  }
}

function lowerBound(items: readonly { ts: number }[], ts: number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (items[mid].ts < ts) low = mid + 1;
    else high = mid;
  }
  return low;
}

class Endpoint {
  readonly sends = new RecordList<SendRecord>();
  readonly recvs = new RecordList<RecvRecord>();
}

export class MessageMatcher {
  /** Every message by id; entries are replaced (never mutated) when their matching changes. */
  readonly messages: Message[] = [];
  private readonly endpoints = new Map<number, Endpoint>();
  /** Duplex pipes: what is sent on one inode is received on the other. */
  private readonly partner = new Map<number, number>();
  private readonly channelByIno = new Map<number, string>();
  /** Sending inodes whose direction needs re-matching. */
  private readonly dirty = new Set<number>();
  private changed = new Set<number>();

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
    fields: Omit<Message, 'id' | 'channel' | 'recvPid' | 'recvTid' | 'getNs' | 'recvNs'>,
  ): void {
    const message: Message = {
      id: this.messages.length,
      channel: chanId ?? this.channelByIno.get(ino) ?? `ino:${ino}`,
      ...fields,
      recvPid: null,
      recvTid: null,
      getNs: null,
      recvNs: null,
    };
    this.messages.push(message);
    this.changed.add(message.id);
    this.endpoint(ino).sends.add({ message, ts: fields.sendNs, chanId, recv: null });
    this.dirty.add(ino);
  }

  addRecv(ino: number, record: RecvRecord): void {
    this.endpoint(ino).recvs.add(record);
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
    const changed = Array.from(this.changed, (id) => this.messages[id]);
    this.changed = new Set();
    return changed;
  }

  private endpoint(ino: number): Endpoint {
    let endpoint = this.endpoints.get(ino);
    if (!endpoint) {
      endpoint = new Endpoint();
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
      const send = sends[i];
      const recv = i < recvs.length ? recvs[i] : null;
      const old = send.message;
      const channel = send.chanId ?? channelOfIno ?? recv?.chanId ?? old.channel;
      if (send.recv === recv && old.channel === channel) continue;
      send.recv = recv;
      send.message = {
        ...old,
        channel,
        recvPid: recv ? recv.pid : null,
        recvTid: recv ? recv.tid : null,
        getNs: recv ? recv.getNs : null,
        recvNs: recv ? recv.endNs : null,
      };
      this.messages[old.id] = send.message;
      this.changed.add(old.id);
    }
  }
}
