"""Problem: one slow consumer behind a bounded queue: the producer spends most of its time blocked
on put() because the queue is full. The fixed variant is consumer_bound_fixed.py."""
from multiprocessing import Process, Queue


def work(n):
    x = 0
    for i in range(n):
        x += i % 7
    return x


def produce(queue, count):
    for _ in range(count):
        queue.put(work(20_000))
    queue.put(None)


def consume(queue):
    while (item := queue.get()) is not None:
        work(300_000 + item % 2)


if __name__ == "__main__":
    queue = Queue(maxsize=4)
    processes = [
        Process(target=produce, args=(queue, 40)),
        Process(target=consume, args=(queue,)),
    ]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
