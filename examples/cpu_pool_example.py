"""A CPU-bound Pool big enough to show real parallelism (about a second per core)."""
from multiprocessing import Pool, cpu_count


def count_primes(limit):
    found = 0
    for n in range(2, limit):
        if all(n % d for d in range(2, int(n ** 0.5) + 1)):
            found += 1
    return found


if __name__ == "__main__":
    limits = [30000 + 1000 * i for i in range(16)]
    with Pool(cpu_count()) as pool:
        counts = pool.map(count_primes, limits, chunksize=1)
    print(sum(counts))
