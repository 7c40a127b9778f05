"""Problem: spawned children re-import the main module, which builds a big table at import time,
then each does a few milliseconds of work. The fixed variant is startup_cost_fixed.py."""
import multiprocessing as mp

TABLE = [i * i % 1_000 for i in range(1_000_000)]


def job(start):
    return sum(TABLE[start : start + 10_000])


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    workers = [ctx.Process(target=job, args=(i,)) for i in range(2)]
    for p in workers:
        p.start()
    for p in workers:
        p.join()
