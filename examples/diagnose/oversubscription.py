"""Problem: eight CPU-bound workers on a two-core machine: most of the time six of them wait for a
core. The fixed variant is oversubscription_fixed.py."""
from multiprocessing import Pool


def crunch(n):
    x = 0
    for i in range(n):
        x += i % 7
    return x


if __name__ == "__main__":
    with Pool(8) as pool:
        print(sum(pool.map(crunch, [2_000_000] * 8, chunksize=1)))
