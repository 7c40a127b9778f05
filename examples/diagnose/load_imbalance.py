"""Problem: one item costs as much as all the others together, and comes last: one worker grinds
through it while the other idles. The fixed variant is load_imbalance_fixed.py."""
from multiprocessing import Pool


def simulate(steps):
    x = 0
    for i in range(steps):
        x += i % 7
    return x


if __name__ == "__main__":
    items = [200_000] * 20 + [8_000_000]
    with Pool(2) as pool:
        print(sum(pool.map(simulate, items, chunksize=1)))
