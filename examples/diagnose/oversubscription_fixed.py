"""Fixed oversubscription.py: as many workers as cores."""
import os
from multiprocessing import Pool


def crunch(n):
    x = 0
    for i in range(n):
        x += i % 7
    return x


if __name__ == "__main__":
    with Pool(min(2, os.cpu_count() or 1)) as pool:
        print(sum(pool.map(crunch, [2_000_000] * 8, chunksize=1)))
