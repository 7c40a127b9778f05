/**
 * Every message between the extension host and the timeline webview (and the standalone HTML report,
 * which feeds the same webview code a `snapshot`). Both sides switch on `type`.
 */
import type {
  ChannelInfo,
  CoreSample,
  EventCounts,
  ManagerCall,
  Message,
  ProcessInfo,
  RunMeta,
  TaskSpan,
  Trace,
  WaitSpan,
} from '../model/trace';

/** How often the extension host sends a live timeline a delta. */
export const DELTA_INTERVAL_MS = 250;

/**
 * What arrived since the previous delta. Arrays of spans are appended; `processes`, `channels` and
 * `messages` are upserts keyed by `pid` / `id` (a message gains its receiver once matched).
 */
export interface TraceDelta {
  /**
   * Event bytes the collector has received but not built in yet: live ingest is paced while the
   * program sends faster than it builds, so the view lags (absent: none).
   */
  pendingBytes?: number;
  meta: RunMeta;
  counts: EventCounts;
  processes: ProcessInfo[];
  channels: ChannelInfo[];
  messages: Message[];
  tasks: TaskSpan[];
  waits: WaitSpan[];
  managerCalls: ManagerCall[];
  coreSamples: CoreSample[];
}

export type ToWebview =
  /** The whole trace; replaces anything shown. `live` while the run is still going. */
  | { type: 'snapshot'; trace: Trace; live: boolean }
  /** New data of a live run. */
  | { type: 'delta'; delta: TraceDelta }
  /** The live run ended; `meta` holds the exit code. */
  | { type: 'ended'; meta: RunMeta }
  /** The trace could not be loaded or the run failed to start; shown instead of a timeline. */
  | { type: 'error'; message: string };

export type FromWebview =
  /** The webview script has loaded and wants a snapshot. */
  | { type: 'ready' }
  /** Open a function's source. */
  | { type: 'goToSource'; file: string; line: number | null }
  /** The timeline finished drawing what it has (lets tests and the host know what is on screen). */
  | { type: 'rendered'; processLanes: number; coreLanes: number; tasks: number; arrows: number }
  /** Something the host should log (never user data). */
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };
