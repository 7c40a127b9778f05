"""Two daemon workers drain a JoinableQueue; the parent waits with queue.join()."""
from multiprocessing import JoinableQueue, Process


def worker(jobs):
    while True:
        item = jobs.get()
        total = sum(range(item * 1000))
        jobs.task_done()


if __name__ == "__main__":
    jobs = JoinableQueue()
    for _ in range(2):
        Process(target=worker, args=(jobs,), daemon=True).start()
    for item in range(10):
        jobs.put(item)
    jobs.join()
    print("all 10 jobs done")
