/** The profiler's version, from package.json (inlined by esbuild, emitted by tsc). */
import { version } from '../../package.json';

export const profilerVersion: string = version;
