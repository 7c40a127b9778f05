"""Children that fail in every way the runtime must report: an exception, SIGKILL, os._exit(3), a
daemon left running at exit, a Pool task that raises, and a Pool terminated while its task runs."""
import multiprocessing
import os
import signal
import sys
import time


def raises():
    raise ValueError('boom')


def killed():
    os.kill(os.getpid(), signal.SIGKILL)


def exits_early():
    os._exit(3)


def sleeps():
    time.sleep(60)


def inverse(n):
    return 1 / n


started = None


def remember(queue):
    global started
    started = queue


def reports_then_sleeps():
    started.put(os.getpid())
    time.sleep(60)


if __name__ == '__main__':
    for target in (raises, killed, exits_early):
        child = multiprocessing.Process(target=target, name=target.__name__)
        child.start()
        child.join()
        print(target.__name__, child.exitcode)
    sys.stdout.flush()
    with multiprocessing.Pool(2) as pool:
        try:
            pool.map(inverse, [3, 2, 1, 0], chunksize=2)
        except ZeroDivisionError as error:
            print('pool raised', type(error).__name__)
    queue = multiprocessing.Queue()
    pool = multiprocessing.Pool(1, initializer=remember, initargs=(queue,))
    pool.apply_async(reports_then_sleeps)
    queue.get()
    pool.terminate()
    pool.join()
    print('pool terminated mid-task')
    multiprocessing.Process(target=sleeps, name='sleeper', daemon=True).start()
    print('main done')
