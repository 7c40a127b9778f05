"""Pool and executor tasks whose callable is unpickled anew for every task (a bound method, a
partial): prints how many of the objects they carried are still alive in the workers afterwards."""
import functools
import gc
import multiprocessing
import sys
import weakref
from concurrent.futures import ProcessPoolExecutor

LIVE = weakref.WeakSet()


class Payload:
    def __init__(self):
        LIVE.add(self)

    def __setstate__(self, state):
        self.__dict__.update(state)
        LIVE.add(self)

    def method(self, x):
        return x


def add(payload, x):
    return x


def live(_):
    gc.collect()
    return len(LIVE)


if __name__ == '__main__':
    multiprocessing.set_start_method(sys.argv[1])
    with multiprocessing.Pool(2) as pool:
        pool.map(Payload().method, range(2000), chunksize=1)
        pool.map(functools.partial(add, Payload()), range(2000), chunksize=1)
        print('pool workers keep', max(pool.map(live, range(4), chunksize=1)))
    with ProcessPoolExecutor(2) as executor:
        list(executor.map(Payload().method, range(500)))
        print('executor workers keep', max(executor.map(live, range(4))))
