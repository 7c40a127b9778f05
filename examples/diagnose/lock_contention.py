"""Problem: two processes compute while holding the lock of a shared Value, so they take turns
instead of running in parallel. The fixed variant is lock_contention_fixed.py."""
from multiprocessing import Process, Value


def add_up(counter, rounds):
    for r in range(rounds):
        with counter.get_lock():
            counter.value += sum(i % 7 for i in range(r, r + 20_000))


if __name__ == "__main__":
    counter = Value("q", 0)
    workers = [Process(target=add_up, args=(counter, 300)) for _ in range(2)]
    for p in workers:
        p.start()
    for p in workers:
        p.join()
    print(counter.value)
