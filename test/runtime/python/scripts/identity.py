"""Prints what a script sees of its own invocation (also from a spawned child), reads stdin, then
fails with a traceback: a traced run must print exactly what a plain run prints."""
import builtins
import json
import multiprocessing
import os
import sys


def report(label):
    seen = {
        'name': __name__,
        'argv': sys.argv,
        'path': sys.path,
        'pythonpath': os.environ.get('PYTHONPATH'),
        'chained': getattr(builtins, 'CHAINED_SITECUSTOMIZE', None),
        'main_file': getattr(sys.modules['__main__'], '__file__', None),
    }
    print(label, json.dumps(seen, sort_keys=True), flush=True)


if __name__ == '__main__':
    report('main')
    print('stdin', sys.stdin.read().upper(), flush=True)
    child = multiprocessing.get_context('spawn').Process(target=report, args=('child',))
    child.start()
    child.join()
    raise RuntimeError('identity done, exit ' + str(child.exitcode))
