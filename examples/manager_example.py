"""Processes append to a Manager list and update a Manager dict."""
from multiprocessing import Manager, Process


def record(shared_list, shared_dict, n):
    shared_list.append(n)
    shared_dict[n] = n * 10


if __name__ == "__main__":
    with Manager() as manager:
        shared_list = manager.list()
        shared_dict = manager.dict()
        workers = [Process(target=record, args=(shared_list, shared_dict, n)) for n in range(3)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        print(sorted(shared_list), dict(sorted(shared_dict.items())))
