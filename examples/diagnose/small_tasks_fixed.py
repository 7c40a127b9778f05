"""Fixed small_tasks.py: the same tiny tasks in chunks of 1,250, so the per-task overhead is paid
8 times instead of 10,000."""
from multiprocessing import Pool


def square(x):
    return x * x


if __name__ == "__main__":
    with Pool(2) as pool:
        total = sum(pool.imap(square, range(10_000), chunksize=1_250))
    print(total)
