"""Workloads of `npm run bench:overhead` (bench/overhead.ts). `python overhead.py WORKLOAD` runs one
and prints `elapsed=<s> cpu=<s>` (wall time of the work, CPU of this process and its reaped
children). `python overhead.py emit-cost` measures the runtime's per-event cost in-process."""
import multiprocessing
import os
import resource
import sys
import time


def trivial(x):
    return x


def count_primes(limit):
    found = 0
    for n in range(2, limit):
        if all(n % d for d in range(2, int(n ** 0.5) + 1)):
            found += 1
    return found


def pool_chunksize_1():
    with multiprocessing.Pool() as pool:
        pool.map(trivial, range(100_000), chunksize=1)


def pool_default_chunksize():
    with multiprocessing.Pool() as pool:
        pool.map(trivial, range(100_000))


def stage(inbox, outbox):
    while True:
        item = inbox.get()
        if item is None:
            outbox.put(None)
            return
        outbox.put(item * 2)


def collect(inbox, producers, results):
    total = finished = 0
    while finished < producers:
        item = inbox.get()
        if item is None:
            finished += 1
        else:
            total += item
    results.put(total)


def pipeline():
    work, done, results = multiprocessing.Queue(), multiprocessing.Queue(), multiprocessing.Queue()
    workers = [multiprocessing.Process(target=stage, args=(work, done)) for _ in range(2)]
    collector = multiprocessing.Process(target=collect, args=(done, 2, results))
    for p in workers + [collector]:
        p.start()
    for i in range(20_000):
        work.put(i)
    for _ in workers:
        work.put(None)
    assert results.get() == 2 * sum(range(20_000))
    for p in workers + [collector]:
        p.join()


def bump(counter):
    for _ in range(200):
        with counter.get_lock():
            counter.value += 1


def short_processes():
    counter = multiprocessing.Value('i', 0)
    children = [multiprocessing.Process(target=bump, args=(counter,)) for _ in range(32)]
    for p in children:
        p.start()
    for p in children:
        p.join()
    assert counter.value == 32 * 200


def cpu_pool():
    with multiprocessing.Pool(2) as pool:
        pool.map(count_primes, [60_000] * 8, chunksize=1)


WORKLOADS = {
    'pool-chunksize-1': pool_chunksize_1,
    'pool-default-chunksize': pool_default_chunksize,
    'pipeline': pipeline,
    'short-processes': short_processes,
    'cpu-pool': cpu_pool,
}


def cpu_seconds():
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def emit_cost(events=200_000):
    """Runtime cost per event in this process: a send event timestamped, recorded, batched,
    encoded and sent to the collector's socket, minus the cost of the empty loop."""
    from parallel_profiler_runtime import channel_hooks, core

    if not core.S.on:
        print('emit-cost needs the runtime (run under the recorder)')
        return
    clocks = (time.perf_counter_ns, time.process_time_ns)
    loop_start = [clock() for clock in clocks]
    for i in range(events):
        pass
    loop = [clock() - start for clock, start in zip(clocks, loop_start)]
    start = [clock() for clock in clocks]
    emit_send, clock = channel_hooks.emit_send, time.perf_counter_ns
    for i in range(events):
        ts = clock()
        emit_send(ts, core.tid(), ts, 12345, 100, ts, 'c')
    core.flush(wait=True)
    total = [clock() - begin for clock, begin in zip(clocks, start)]
    wall, cpu = ((t - l) / events for t, l in zip(total, loop))
    print('emit-ns=%.1f emit-cpu-ns=%.1f' % (wall, cpu))


if __name__ == '__main__':
    name = sys.argv[1]
    if name == 'emit-cost':
        emit_cost()
        sys.exit(0)
    started = time.perf_counter()
    WORKLOADS[name]()
    print('elapsed=%.6f cpu=%.6f pid=%d' % (time.perf_counter() - started, cpu_seconds(), os.getpid()))
