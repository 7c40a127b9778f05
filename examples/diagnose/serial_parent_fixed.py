"""Fixed serial_parent.py: the workers prepare their own inputs, in parallel."""
from multiprocessing import Pool


def prepare(seed):
    x = seed
    for i in range(1_000_000):
        x = (x * 31 + i) % 1_000_003
    return x


def prepare_and_finish(seed):
    return prepare(seed) % 97


if __name__ == "__main__":
    with Pool(2) as pool:
        print(sum(pool.map(prepare_and_finish, range(8))))
