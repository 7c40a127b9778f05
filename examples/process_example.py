from multiprocessing import Process
import os


def worker():
    print(f"Worker process ID: {os.getpid()}")


if __name__ == "__main__":
    processes = []
    for _ in range(2):
        p = Process(target=worker)
        processes.append(p)
        p.start()

    for p in processes:
        p.join()
