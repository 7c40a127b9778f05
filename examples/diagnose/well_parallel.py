"""A run that scales: two workers on two cores, each with plenty of CPU-bound work and little to
send. `parallel-profiler check` passes it."""
from multiprocessing import Pool


def crunch(n):
    x = 0
    for i in range(n):
        x += i % 7
    return x


if __name__ == "__main__":
    with Pool(2) as pool:
        print(sum(pool.map(crunch, [4_000_000] * 8, chunksize=1)))
