"""Problem: the parent prepares every input itself before the pool starts, and that preparation
takes longer than the parallel part. The fixed variant is serial_parent_fixed.py."""
from multiprocessing import Pool


def prepare(seed):
    x = seed
    for i in range(1_000_000):
        x = (x * 31 + i) % 1_000_003
    return x


def finish(value):
    return value % 97


if __name__ == "__main__":
    inputs = [prepare(seed) for seed in range(8)]
    with Pool(2) as pool:
        print(sum(pool.map(finish, inputs)))
