"""Fixed load_imbalance.py: the big item is split into pieces of the same size as the others, so
both workers stay busy to the end."""
from multiprocessing import Pool


def simulate(steps):
    x = 0
    for i in range(steps):
        x += i % 7
    return x


if __name__ == "__main__":
    items = [200_000] * 20 + [200_000] * 40
    with Pool(2) as pool:
        print(sum(pool.map(simulate, items, chunksize=1)))
