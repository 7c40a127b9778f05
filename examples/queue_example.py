from multiprocessing import Process, Queue


def producer(q):
    for i in range(5):
        q.put(i)


def consumer(q):
    while not q.empty():
        print(q.get())


if __name__ == "__main__":
    q = Queue()
    p1 = Process(target=producer, args=(q,))
    p2 = Process(target=consumer, args=(q,))
    p1.start()
    p1.join()
    p2.start()
    p2.join()
