"""Problem: 10,000 tiny tasks sent one at a time (chunksize=1): each costs far more to pickle, send
and collect than to compute. The fixed variant is small_tasks_fixed.py."""
from multiprocessing import Pool


def square(x):
    return x * x


if __name__ == "__main__":
    with Pool(2) as pool:
        total = sum(pool.imap(square, range(10_000), chunksize=1))
    print(total)
