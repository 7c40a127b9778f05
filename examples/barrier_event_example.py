"""Three processes meet at a Barrier, then wait for the parent's Event."""
from multiprocessing import Barrier, Event, Process
import time


def runner(barrier, go, n):
    time.sleep(0.05 * n)
    barrier.wait()
    go.wait()
    print(f"runner {n} released")


if __name__ == "__main__":
    barrier = Barrier(3)
    go = Event()
    runners = [Process(target=runner, args=(barrier, go, n)) for n in range(3)]
    for r in runners:
        r.start()
    time.sleep(0.3)
    go.set()
    for r in runners:
        r.join()
