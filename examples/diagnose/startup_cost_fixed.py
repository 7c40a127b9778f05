"""Fixed startup_cost.py: forked children inherit the table instead of rebuilding it."""
import multiprocessing as mp

TABLE = [i * i % 1_000 for i in range(1_000_000)]


def job(start):
    return sum(TABLE[start : start + 10_000])


if __name__ == "__main__":
    ctx = mp.get_context("fork")
    workers = [ctx.Process(target=job, args=(i,)) for i in range(2)]
    for p in workers:
        p.start()
    for p in workers:
        p.join()
