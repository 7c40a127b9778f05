/** Entry point of the `parallel-profiler` CLI. */
process.stderr.write('parallel-profiler: not built yet\n');
process.exit(2);
