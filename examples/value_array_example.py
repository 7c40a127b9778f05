"""Shared Value and Array updated by 4 processes under the Value's lock."""
from multiprocessing import Array, Process, Value


def add(counter, slots, index):
    for _ in range(1000):
        with counter.get_lock():
            counter.value += 1
    slots[index] = index * index


if __name__ == "__main__":
    counter = Value("i", 0)
    slots = Array("i", 4)
    workers = [Process(target=add, args=(counter, slots, i)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print(counter.value, list(slots))
