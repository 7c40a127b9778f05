"""Fixed lock_contention.py: each process sums locally and takes the lock once, at the end."""
from multiprocessing import Process, Value


def add_up(counter, rounds):
    local = 0
    for r in range(rounds):
        local += sum(i % 7 for i in range(r, r + 20_000))
    with counter.get_lock():
        counter.value += local


if __name__ == "__main__":
    counter = Value("q", 0)
    workers = [Process(target=add_up, args=(counter, 300)) for _ in range(2)]
    for p in workers:
        p.start()
    for p in workers:
        p.join()
    print(counter.value)
