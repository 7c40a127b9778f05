"""Problem: the producer does the expensive work and the two consumers only wait for it: the queue
is empty almost all the time. The fixed variant is producer_bound_fixed.py."""
from multiprocessing import Process, Queue


def expensive(n):
    x = 0
    for i in range(n):
        x += i % 7
    return x


def produce(queue, count):
    for _ in range(count):
        queue.put(expensive(300_000))
    queue.put(None)
    queue.put(None)


def consume(queue):
    total = 0
    while (item := queue.get()) is not None:
        total += item
    print(total)


if __name__ == "__main__":
    queue = Queue()
    workers = [Process(target=consume, args=(queue,)) for _ in range(2)]
    producer = Process(target=produce, args=(queue, 40))
    for p in [producer, *workers]:
        p.start()
    for p in [producer, *workers]:
        p.join()
