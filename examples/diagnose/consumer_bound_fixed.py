"""Fixed consumer_bound.py: two consumers share the slow work, so both cores stay busy, and the queue
is unbounded, so the producer hands over its items and is done instead of blocking on put()."""
from multiprocessing import Process, Queue


def work(n):
    x = 0
    for i in range(n):
        x += i % 7
    return x


def produce(queue, count, consumers):
    for _ in range(count):
        queue.put(work(20_000))
    for _ in range(consumers):
        queue.put(None)


def consume(queue):
    while (item := queue.get()) is not None:
        work(300_000 + item % 2)


if __name__ == "__main__":
    queue = Queue()
    processes = [Process(target=produce, args=(queue, 40, 2))]
    processes += [Process(target=consume, args=(queue,)) for _ in range(2)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
